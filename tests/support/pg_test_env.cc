#include "tests/support/pg_test_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "fmt/format.h"

#include "hub/common/random.h"
#include "hub/common/status_macros.h"

namespace hub::test_support {
namespace {

constexpr char kCreateSchema[] = "CREATE SCHEMA {schema}";
constexpr char kDropSchema[] = "DROP SCHEMA IF EXISTS {schema} CASCADE";

constexpr char kHowToRun[] =
    "HUB_TEST_PG_DSN is not set. PostgreSQL tests need a server; run them through the "
    "harness, which starts a private one:\n"
    "  tests/support/with_postgres.sh ctest --test-dir <build dir> -L postgres\n"
    "or point HUB_TEST_PG_DSN at a server where the test user may create schemas, e.g.\n"
    "  HUB_TEST_PG_DSN='host=/tmp port=5432 dbname=hub_test user=me' <test binary>";

}  // namespace

absl::StatusOr<std::string> PgTestDsn() {
  const char* dsn = std::getenv(kPgDsnVariable);  // NOLINT(concurrency-mt-unsafe): read-only
  if (dsn == nullptr || *dsn == '\0') {
    return absl::FailedPreconditionError(kHowToRun);
  }
  return std::string(dsn);
}

absl::StatusOr<std::unique_ptr<PgTestSchema>> PgTestSchema::Create(std::string_view prefix) {
  static std::atomic<int> counter{0};
  HUB_ASSIGN_OR_RETURN(std::string dsn, PgTestDsn());
  std::string name =
      fmt::format("{}_{}_{}_{}", prefix, getpid(), counter++, common::RandomHexToken(3));

  store::PostgresOptions options;
  options.dsn = dsn;
  options.schema = name;
  options.pool_size = 1;
  options.application_name = "hub-test-admin";
  HUB_ASSIGN_OR_RETURN(auto admin, store::PostgresDatabase::Open(options));
  HUB_RETURN_IF_ERROR(admin->ExecScript(kCreateSchema));
  return std::unique_ptr<PgTestSchema>(new PgTestSchema(name, dsn, std::move(admin)));
}

PgTestSchema::~PgTestSchema() {
  // Best effort: a leftover schema only costs space in a throw-away server.
  admin_->ExecScript(kDropSchema).IgnoreError();
}

store::PostgresOptions PgTestSchema::Options() const {
  store::PostgresOptions options;
  options.dsn = dsn_;
  options.schema = name_;
  options.pool_size = 4;
  options.application_name = "hub-test";
  return options;
}

absl::StatusOr<std::unique_ptr<store::PostgresDatabase>> PgTestSchema::Open() const {
  return store::PostgresDatabase::Open(Options());
}

}  // namespace hub::test_support
