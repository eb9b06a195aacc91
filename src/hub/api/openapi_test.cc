#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/api/api_registry.h"
#include "hub/api/system_api.h"
#include "hub/auth/auth_module.h"
#include "hub/common/clock.h"
#include "hub/metrics/registry.h"
#include "hub/runtime/runtime_module.h"
#include "hub/store/migrator.h"
#include "hub/store/sqlite_database.h"
#include "hub/store/test_util.h"

namespace hub::api {
namespace {

std::string Lower(http::Method method) {
  std::string name(http::MethodName(method));
  for (char& c : name) {
    c = static_cast<char>(std::tolower(c));
  }
  return name;
}

// Every route the hub serves, built as `HubApp` builds them, on a scratch SQLite database.
class OpenApiTest : public ::testing::Test {
protected:
  void SetUp() override {
    store::SqliteOptions options;
    options.path = (dir_.path() / "hub.db").string();
    auto db = store::SqliteDatabase::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store::Migrator migrator(*db_, store::BuiltinMigrations(db_->dialect()), clock_);
    ASSERT_TRUE(migrator.Apply().ok());
    auth::AuthOptions auth_options;
    auth_options.password.ops_limit = 1;
    auth_options.password.mem_limit = 8192;
    auth_ = std::make_unique<auth::AuthModule>(*db_, clock_, auth_options, nullptr);
    runtime::RuntimeOptions runtime_options;
    runtime_options.local.log_dir = (dir_.path() / "instances").string();
    runtime_ = std::make_unique<runtime::RuntimeModule>(*db_, clock_, nullptr, runtime_options);

    AddSystemRoutes(router_, {nullptr, &metrics_, "/nonexistent"});
    routes_ = std::make_unique<ApiRoutes>(router_, SessionAuthenticator(*auth_));
    ApiServices services;
    services.auth = auth_.get();
    services.runtime = runtime_.get();
    AddApiRoutes(*routes_, services);
    paths_ = nlohmann::json::parse(OpenApiJson())["paths"];
  }

  store::testing_util::ScopedTempDir dir_;
  common::ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<auth::AuthModule> auth_;
  std::unique_ptr<runtime::RuntimeModule> runtime_;
  metrics::Registry metrics_;
  http::Router router_;
  std::unique_ptr<ApiRoutes> routes_;
  nlohmann::json paths_;
};

TEST_F(OpenApiTest, DocumentIsOpenApi3) {
  auto doc = nlohmann::json::parse(OpenApiJson());

  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearer"));
}

TEST_F(OpenApiTest, EveryRouteIsDocumented) {
  for (const auto& route : router_.routes()) {
    if (route->pattern.find('*') != std::string::npos) {
      continue;  // static files below a documented page
    }
    ASSERT_TRUE(paths_.contains(route->pattern)) << route->pattern;
    EXPECT_TRUE(paths_[route->pattern].contains(Lower(route->method))) << route->pattern;
  }
}

TEST_F(OpenApiTest, EveryDocumentedOperationExists) {
  for (const auto& [path, operations] : paths_.items()) {
    for (const auto& [method, operation] : operations.items()) {
      bool served = false;
      for (const auto& route : router_.routes()) {
        served = served || (route->pattern == path && Lower(route->method) == method);
      }
      EXPECT_TRUE(served) << method << " " << path << " is documented but not served";
    }
  }
}

TEST_F(OpenApiTest, DocumentedAccessMatchesTheDeclaredAccess) {
  for (const RouteAccess& access : routes_->table()) {
    const auto& operation = paths_[access.pattern][Lower(access.method)];
    std::string declared = access.Describe();

    EXPECT_EQ(operation.value("x-required-access", ""), declared)
        << http::MethodName(access.method) << " " << access.pattern;
    ASSERT_TRUE(operation.contains("security")) << access.pattern;
    EXPECT_EQ(operation["security"].empty(), access.kind == AccessKind::kPublic) << access.pattern;
    if (access.kind != AccessKind::kPublic) {
      EXPECT_TRUE(operation["responses"].contains("401")) << access.pattern;
    }
    if (access.kind == AccessKind::kPermission) {
      EXPECT_TRUE(operation["responses"].contains("403")) << access.pattern;
    }
  }
}

TEST_F(OpenApiTest, NoApiRouteEscapesTheAccessDeclaration) {
  EXPECT_TRUE(routes_->CheckEveryApiRouteDeclared().ok());
}

}  // namespace
}  // namespace hub::api
