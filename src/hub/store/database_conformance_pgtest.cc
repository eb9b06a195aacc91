// The conformance suite on PostgreSQL: every test gets a fresh schema on the server named by
// HUB_TEST_PG_DSN (tests/support/with_postgres.sh starts one). Without it, every test fails.

#include "hub/store/database_conformance.h"

#include "hub/store/postgres_database.h"

#include "tests/support/pg_test_env.h"

namespace hub::store {
namespace {

class PostgresStore final : public ConformanceStore {
public:
  explicit PostgresStore(std::unique_ptr<test_support::PgTestSchema> schema)
      : schema_(std::move(schema)) {}

  absl::StatusOr<DatabasePtr> Open() override {
    auto db = schema_->Open();
    if (!db.ok()) {
      return db.status();
    }
    return DatabasePtr(std::move(*db));
  }

private:
  std::unique_ptr<test_support::PgTestSchema> schema_;
};

ConformanceBackend PostgresBackend() {
  return {"Postgres", []() -> absl::StatusOr<std::unique_ptr<ConformanceStore>> {
            auto schema = test_support::PgTestSchema::Create("conf");
            if (!schema.ok()) {
              return schema.status();
            }
            return std::make_unique<PostgresStore>(std::move(*schema));
          }};
}

}  // namespace

HUB_INSTANTIATE_DATABASE_CONFORMANCE(Postgres, PostgresBackend());

}  // namespace hub::store
