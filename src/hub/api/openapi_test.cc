#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/api/system_api.h"
#include "hub/metrics/registry.h"

namespace hub::api {
namespace {

std::string Lower(http::Method method) {
  std::string name(http::MethodName(method));
  for (char& c : name) {
    c = static_cast<char>(std::tolower(c));
  }
  return name;
}

TEST(OpenApiTest, DocumentIsOpenApi3) {
  auto doc = nlohmann::json::parse(OpenApiJson());

  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_FALSE(doc["paths"].empty());
}

TEST(OpenApiTest, EverySystemRouteIsDocumented) {
  http::Router router;
  metrics::Registry metrics;
  AddSystemRoutes(router, {nullptr, &metrics, "/nonexistent"});
  auto paths = nlohmann::json::parse(OpenApiJson())["paths"];

  for (const auto& route : router.routes()) {
    if (route->pattern.find('*') != std::string::npos) {
      continue;  // static files below a documented page
    }
    ASSERT_TRUE(paths.contains(route->pattern)) << route->pattern;
    EXPECT_TRUE(paths[route->pattern].contains(Lower(route->method))) << route->pattern;
  }
}

}  // namespace
}  // namespace hub::api
