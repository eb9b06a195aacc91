// Accounts, sessions, anonymous keys and permissions on the real binary with SQLite.

#include "hub/store/sqlite_database.h"

#include "tests/integration/auth_integration_tests.h"
#include "tests/integration/auth_matrix_tests.h"

namespace hub {
namespace {

class SqliteStorage final : public HubStorage {
public:
  SqliteStorage() : dir_(test_support::MakeTempDir("auth")) {}

  void Configure(test_support::HubProcess::Options& options) const override {
    options.data_dir = dir_;
  }

  absl::StatusOr<store::DatabasePtr> OpenDatabase() const override {
    store::SqliteOptions options;
    options.path = dir_ + "/hub.db";
    auto db = store::SqliteDatabase::Open(options);
    if (!db.ok()) {
      return db.status();
    }
    return store::DatabasePtr(std::move(*db));
  }

  std::vector<std::string> CommandArgs() const override { return {"--data-dir", dir_}; }

  std::vector<std::pair<std::string, std::string>> CommandEnv() const override { return {}; }

private:
  std::string dir_;
};

HubBackend Sqlite() {
  return {"Sqlite", []() -> absl::StatusOr<std::unique_ptr<HubStorage>> {
            return std::make_unique<SqliteStorage>();
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, AuthIntegrationTest, ::testing::Values(Sqlite()), HubBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, AuthMatrixTest, ::testing::Values(Sqlite()), HubBackendName);

}  // namespace hub
