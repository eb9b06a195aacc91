// The auth services on PostgreSQL: every test gets a fresh schema on the server named by
// HUB_TEST_PG_DSN (tests/support/with_postgres.sh starts one).

#include "hub/auth/auth_service_tests.h"

#include "tests/support/pg_test_env.h"

namespace hub::auth {
namespace {

// Drops the schema after the database closes.
struct SchemaAndDatabase {
  std::unique_ptr<test_support::PgTestSchema> schema;
  std::unique_ptr<store::PostgresDatabase> db;
};

AuthStore PostgresAuthStore() {
  return {"Postgres", []() -> absl::StatusOr<std::shared_ptr<store::Database>> {
            auto holder = std::make_shared<SchemaAndDatabase>();
            HUB_ASSIGN_OR_RETURN(holder->schema, test_support::PgTestSchema::Create("auth"));
            HUB_ASSIGN_OR_RETURN(holder->db, holder->schema->Open());
            // Aliasing constructor: the database pointer keeps the whole holder alive.
            return std::shared_ptr<store::Database>(holder, holder->db.get());
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Postgres,
                         AuthServiceTest,
                         ::testing::Values(PostgresAuthStore()),
                         AuthStoreName);

}  // namespace hub::auth
