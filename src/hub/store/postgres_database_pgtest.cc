// PostgreSQL-only behaviour: the configured schema, connection settings, the pool, broken
// connections and conflicts. Needs HUB_TEST_PG_DSN (tests/support/with_postgres.sh).

#include "hub/store/postgres_database.h"

#include <chrono>
#include <set>

#include "gtest/gtest.h"

#include "hub/common/clock.h"
#include "hub/store/migrator.h"
#include "hub/store/test_util.h"

#include "tests/support/pg_test_env.h"

namespace hub::store {
namespace {

using test_support::PgTestSchema;

class PostgresDatabaseTest : public ::testing::Test {
protected:
  void SetUp() override { HUB_ASSERT_OK_AND_ASSIGN(schema_, PgTestSchema::Create("pgdb")); }

  absl::StatusOr<std::unique_ptr<PostgresDatabase>> Open(PostgresOptions options) {
    return PostgresDatabase::Open(std::move(options));
  }

  std::unique_ptr<PgTestSchema> schema_;
  common::ManualClock clock_{1'700'000'000'000'000};
};

TEST_F(PostgresDatabaseTest, TablesLiveInTheConfiguredSchemaWhateverTheSearchPath) {
  HUB_ASSERT_OK_AND_ASSIGN(auto elsewhere, PgTestSchema::Create("elsewhere"));
  PostgresOptions options = schema_->Options();
  options.dsn += " options='-c search_path=" + elsewhere->name() + "'";
  HUB_ASSERT_OK_AND_ASSIGN(auto db, Open(options));

  HUB_ASSERT_OK(Migrator(*db, BuiltinMigrations(Dialect::kPostgres), clock_).Apply());
  HUB_ASSERT_OK(
      db->Exec("INSERT INTO {schema}.servers (id, started_at, last_seen_at)"
               " VALUES ($1, $2, $2)",
               {"a", clock_.NowMicros()}));
  HUB_ASSERT_OK_AND_ASSIGN(Result search_path, db->Exec("SHOW search_path"));
  HUB_ASSERT_OK_AND_ASSIGN(Result tables,
                           db->Exec("SELECT DISTINCT table_schema FROM information_schema.tables"
                                    " WHERE table_name IN ('servers', 'schema_migrations')"
                                    " AND table_schema IN ($1, $2, 'public')",
                                    {schema_->name(), elsewhere->name()}));
  HUB_ASSERT_OK_AND_ASSIGN(Result servers, db->Exec("SELECT id FROM {schema}.servers"));

  EXPECT_EQ(*search_path[0].GetString(0), elsewhere->name());
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(*tables[0].GetString(0), schema_->name());
  EXPECT_EQ(servers.size(), 1u);
}

TEST_F(PostgresDatabaseTest, MigratorCreatesAMissingSchema) {
  PostgresOptions options = schema_->Options();
  options.schema = schema_->name() + "_fresh";
  HUB_ASSERT_OK_AND_ASSIGN(auto db, Open(options));

  HUB_ASSERT_OK(Migrator(*db, BuiltinMigrations(Dialect::kPostgres), clock_).Apply());
  HUB_ASSERT_OK_AND_ASSIGN(Result count, db->Exec("SELECT COUNT(*) FROM {schema}.servers"));
  HUB_EXPECT_OK(db->ExecScript("DROP SCHEMA {schema} CASCADE"));

  EXPECT_EQ(*count[0].GetInt(0), 0);
}

TEST_F(PostgresDatabaseTest, ConnectionsUseUtcAndTheApplicationName) {
  HUB_ASSERT_OK_AND_ASSIGN(auto db, schema_->Open());

  HUB_ASSERT_OK_AND_ASSIGN(Result zone, db->Exec("SHOW TimeZone"));
  HUB_ASSERT_OK_AND_ASSIGN(Result name, db->Exec("SELECT current_setting('application_name')"));

  EXPECT_EQ(*zone[0].GetString(0), "UTC");
  EXPECT_EQ(*name[0].GetString(0), "hub-test");
}

TEST_F(PostgresDatabaseTest, ExhaustedPoolIsUnavailableAfterTheTimeout) {
  PostgresOptions options = schema_->Options();
  options.pool_size = 2;
  options.acquire_timeout = std::chrono::milliseconds(100);
  HUB_ASSERT_OK_AND_ASSIGN(auto db, Open(options));
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr a, db->Begin(TxMode::kRead));
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr b, db->Begin(TxMode::kRead));

  auto start = std::chrono::steady_clock::now();
  auto third = db->Begin(TxMode::kRead);
  auto waited = std::chrono::steady_clock::now() - start;
  a.reset();
  auto after_release = db->Begin(TxMode::kRead);

  EXPECT_EQ(third.status().code(), absl::StatusCode::kUnavailable) << third.status();
  EXPECT_GE(waited, std::chrono::milliseconds(90));
  EXPECT_LT(waited, std::chrono::seconds(3));
  HUB_EXPECT_OK(after_release);
}

TEST_F(PostgresDatabaseTest, TerminatedConnectionIsReplaced) {
  PostgresOptions options = schema_->Options();
  options.pool_size = 1;
  HUB_ASSERT_OK_AND_ASSIGN(auto db, Open(options));
  HUB_ASSERT_OK_AND_ASSIGN(auto admin, schema_->Open());
  constexpr char kPid[] = "SELECT pg_backend_pid()";
  constexpr char kTerminate[] = "SELECT pg_terminate_backend(CAST($1 AS INTEGER), 5000)";
  HUB_ASSERT_OK_AND_ASSIGN(Result first_pid, db->Exec(kPid));

  // An autocommit statement on the dead connection fails: it may have run, so no retry.
  HUB_ASSERT_OK(admin->Exec(kTerminate, {*first_pid[0].GetInt(0)}));
  auto on_dead = db->Exec(kPid);
  HUB_ASSERT_OK_AND_ASSIGN(Result second_pid, db->Exec(kPid));
  // BEGIN on a dead connection is retried on a fresh one.
  HUB_ASSERT_OK(admin->Exec(kTerminate, {*second_pid[0].GetInt(0)}));
  auto tx = db->Begin(TxMode::kWrite);

  EXPECT_EQ(on_dead.status().code(), absl::StatusCode::kUnavailable) << on_dead.status();
  EXPECT_NE(*second_pid[0].GetInt(0), *first_pid[0].GetInt(0));
  HUB_EXPECT_OK(tx);
  EXPECT_EQ(db->OpenConnectionsForTest(), 1u);
}

TEST_F(PostgresDatabaseTest, SerializationConflictIsAborted) {
  HUB_ASSERT_OK_AND_ASSIGN(auto db, schema_->Open());
  HUB_ASSERT_OK(
      db->ExecScript("CREATE TABLE {schema}.c (id BIGINT PRIMARY KEY, n BIGINT);"
                     "INSERT INTO {schema}.c VALUES (1, 0)"));
  constexpr char kRead[] = "SELECT n FROM {schema}.c WHERE id = 1";
  constexpr char kWrite[] = "UPDATE {schema}.c SET n = n + 1 WHERE id = 1";
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr first, db->Begin(TxMode::kSerializable));
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr second, db->Begin(TxMode::kSerializable));
  HUB_ASSERT_OK(first->Exec(kRead));
  HUB_ASSERT_OK(second->Exec(kRead));

  HUB_ASSERT_OK(first->Exec(kWrite));
  HUB_ASSERT_OK(first->Commit());
  auto conflicting = second->Exec(kWrite);

  EXPECT_EQ(conflicting.status().code(), absl::StatusCode::kAborted) << conflicting.status();
}

TEST_F(PostgresDatabaseTest, DescribeAndErrorsNeverShowThePassword) {
  PostgresOptions options = schema_->Options();
  options.dsn += " password=hunter2-secret";
  HUB_ASSERT_OK_AND_ASSIGN(auto db, Open(options));  // Trust authentication ignores it.
  PostgresOptions unreachable;
  unreachable.dsn = "host=127.0.0.1 port=1 connect_timeout=2 password=hunter2-secret";

  auto failed = PostgresDatabase::Open(unreachable);

  EXPECT_EQ(db->Describe().find("hunter2"), std::string::npos) << db->Describe();
  EXPECT_NE(db->Describe().find(schema_->name()), std::string::npos);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().message().find("hunter2"), absl::string_view::npos) << failed.status();
}

TEST_F(PostgresDatabaseTest, InvalidOptionsAreInvalidArgument) {
  PostgresOptions bad_schema = schema_->Options();
  bad_schema.schema = "Robert'); DROP TABLE students;--";
  PostgresOptions no_dsn;

  EXPECT_EQ(Open(bad_schema).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Open(no_dsn).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hub::store
