#pragma once

// Hub storage for integration tests on PostgreSQL: each test gets a schema of its own on the
// server named by HUB_TEST_PG_DSN (tests/support/with_postgres.sh starts one) and a fresh
// data directory. `Postgres()` is the test parameter.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/auth_fixture.h"
#include "tests/support/pg_test_env.h"

namespace hub {

class PostgresStorage final : public HubStorage {
public:
  explicit PostgresStorage(std::unique_ptr<test_support::PgTestSchema> schema)
      : schema_(std::move(schema)), dir_(test_support::MakeTempDir("hub-pg")) {}

  void Configure(test_support::HubProcess::Options& options) const override {
    options.data_dir = dir_;
    auto env = CommandEnv();
    options.env.insert(options.env.end(), env.begin(), env.end());
  }

  absl::StatusOr<store::DatabasePtr> OpenDatabase() const override {
    auto db = schema_->Open();
    if (!db.ok()) {
      return db.status();
    }
    return store::DatabasePtr(std::move(*db));
  }

  std::vector<std::string> CommandArgs() const override { return {"--data-dir", dir_}; }

  std::vector<std::pair<std::string, std::string>> CommandEnv() const override {
    return {{"HUB_DATABASE_URL", schema_->dsn()}, {"DATABASE_SCHEMA", schema_->name()}};
  }

private:
  std::unique_ptr<test_support::PgTestSchema> schema_;
  std::string dir_;
};

inline HubBackend Postgres() {
  return {"Postgres", []() -> absl::StatusOr<std::unique_ptr<HubStorage>> {
            auto schema = test_support::PgTestSchema::Create("hubit");
            if (!schema.ok()) {
              return schema.status();
            }
            return std::make_unique<PostgresStorage>(std::move(*schema));
          }};
}

}  // namespace hub
