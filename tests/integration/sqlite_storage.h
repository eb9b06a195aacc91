#pragma once

// Hub storage for integration tests on SQLite: a fresh data directory whose hub.db the hub
// creates. `Sqlite()` is the test parameter.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hub/store/sqlite_database.h"

#include "tests/integration/auth_fixture.h"

namespace hub {

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

inline HubBackend Sqlite() {
  return {"Sqlite", []() -> absl::StatusOr<std::unique_ptr<HubStorage>> {
            return std::make_unique<SqliteStorage>();
          }};
}

}  // namespace hub
