#pragma once

// The fixture of the accounts integration tests: the real `ersilia-hub` binary on SQLite or
// PostgreSQL (one `TEST_P` body, two instantiations: auth_test.cc and auth_pgtest.cc), with
// cheap argon2id, rate limits off unless a test sets them, and an initial admin `root`.
// Restarting reuses the same data directory and database.

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/random.h"
#include "hub/store/database.h"

#include "tests/support/api_client.h"
#include "tests/support/hub_process.h"

namespace hub {

inline constexpr char kRootPassword[] = "root password for tests";
inline constexpr char kPassword[] = "a long enough password";

// Where one test's hub keeps its data.
class HubStorage {
public:
  virtual ~HubStorage() = default;

  // Points the hub at this storage.
  virtual void Configure(test_support::HubProcess::Options& options) const = 0;

  // The hub's database opened directly, for rows no API writes (imported legacy users).
  virtual absl::StatusOr<store::DatabasePtr> OpenDatabase() const = 0;

  // Extra arguments for other commands (`user create`) to reach the same database.
  virtual std::vector<std::string> CommandArgs() const = 0;
  virtual std::vector<std::pair<std::string, std::string>> CommandEnv() const = 0;
};

struct HubBackend {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<HubStorage>>()> make;
};

inline void PrintTo(const HubBackend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::string HubBackendName(const ::testing::TestParamInfo<HubBackend>& info) {
  return info.param.name;
}

inline std::string NewKey() {
  return common::NewUuid();
}

class AuthIntegrationTest : public ::testing::TestWithParam<HubBackend> {
protected:
  void SetUp() override {
    auto storage = GetParam().make();
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = std::move(*storage);
  }

  // The settings every test starts with; `sets` are more `key=value` overrides.
  static std::vector<std::string> BaseSets() {
    return {"auth.password.ops_limit=1",
            "auth.password.mem_limit=8KiB",
            "auth.rate_limit.login=off",
            "auth.rate_limit.signup=off",
            "auth.rate_limit.anonymous_login=off",
            "auth.rate_limit.forgot_password=off",
            "auth.initial_admin.username=root",
            "auth.initial_admin.email=root@example.org",
            std::string("auth.initial_admin.password=") + kRootPassword};
  }

  // Starts the hub (again, on the same storage, after `StopHub`). Throws (ending the test)
  // when it does not start.
  void StartHub(const std::vector<std::string>& sets = {},
                std::vector<std::pair<std::string, std::string>> env = {}) {
    test_support::HubProcess::Options options;
    options.args = {"serve", "--port", "0"};
    std::vector<std::string> all = BaseSets();
    all.insert(all.end(), sets.begin(), sets.end());
    for (const std::string& set : all) {
      options.args.insert(options.args.end(), {"--set", set});
    }
    options.env = std::move(env);
    storage_->Configure(options);
    auto hub = test_support::HubProcess::Start(options);
    if (!hub.ok()) {
      // Ends the test: gtest reports the exception with the hub's log in it.
      throw std::runtime_error("hub did not start: " + std::string(hub.status().message()));
    }
    hub_ = std::move(*hub);
    api_ = std::make_unique<test_support::ApiClient>(hub_->Url(""));
  }

  void StopHub() { ASSERT_EQ(hub_->Stop(), 0) << hub_->Log(); }

  test_support::ApiClient& api() { return *api_; }

  test_support::HubProcess& hub() { return *hub_; }

  // A fresh `Bearer` header of `username`.
  std::string LoginHeader(const std::string& username, const std::string& password = kPassword) {
    auto login = api().Login(username, password);
    EXPECT_EQ(login.status, 200) << username << ": " << login.raw;
    return test_support::BearerHeader(login.body["session"]);
  }

  std::string RootHeader() { return LoginHeader("root", kRootPassword); }

  // Signs up `username` and returns its user id.
  std::string SignupUser(const std::string& username) {
    auto signup = api().Signup(username, kPassword);
    EXPECT_EQ(signup.status, 200) << signup.raw;
    return signup.body.value("id", "");
  }

  // Replaces `user_id`'s permissions as root.
  void SetPermissions(const std::string& user_id, const std::vector<std::string>& names) {
    auto set = api().Call(http::Method::kPut, "/api/users/" + user_id + "/permissions",
                          nlohmann::json{{"permissions", names}}.dump(), RootHeader());
    EXPECT_EQ(set.status, 200) << set.raw;
  }

  // The hub's `hub_db_statements_total` for `table`, from /metrics.
  double StatementsOn(const std::string& table) {
    auto metrics = api().Get("/metrics");
    std::string key = "hub_db_statements_total{table=\"" + table + "\"} ";
    size_t at = metrics.raw.find(key);
    return at == std::string::npos ? 0 : std::stod(metrics.raw.substr(at + key.size()));
  }

  std::unique_ptr<HubStorage> storage_;
  std::unique_ptr<test_support::HubProcess> hub_;
  std::unique_ptr<test_support::ApiClient> api_;
};

}  // namespace hub
