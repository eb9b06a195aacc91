#pragma once

// PostgreSQL for `*_pgtest` binaries.
//
// `HUB_TEST_PG_DSN` names a server on which tests may create and drop schemas;
// `tests/support/with_postgres.sh` starts a private one and sets it. Without it, pg tests
// fail (they are never skipped) with a message saying how to run them. Every test works in a
// schema of its own with a name unique across processes, so pg tests can run in parallel
// (`ctest -j`).
//
// Thread-safety: `PgTestDsn` is thread-safe; a `PgTestSchema` is owned by one test.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

#include "hub/store/postgres_database.h"

namespace hub::test_support {

inline constexpr char kPgDsnVariable[] = "HUB_TEST_PG_DSN";

// The DSN from `HUB_TEST_PG_DSN`, or `kFailedPrecondition` with instructions when unset.
absl::StatusOr<std::string> PgTestDsn();

// A fresh schema on the test server, dropped with everything in it when destroyed.
class PgTestSchema final {
public:
  // Creates `<prefix>_<pid>_<n>_<random>`. Errors: `PgTestDsn`'s, or the server's.
  static absl::StatusOr<std::unique_ptr<PgTestSchema>> Create(std::string_view prefix = "t");

  ~PgTestSchema();
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;

  const std::string& name() const { return name_; }

  const std::string& dsn() const { return dsn_; }

  // Options for a `PostgresDatabase` whose tables live in this schema.
  store::PostgresOptions Options() const;

  // A new `PostgresDatabase` on this schema (each call opens another pool, like another
  // replica would).
  absl::StatusOr<std::unique_ptr<store::PostgresDatabase>> Open() const;

private:
  PgTestSchema(std::string name, std::string dsn, std::unique_ptr<store::PostgresDatabase> admin)
      : name_(std::move(name)), dsn_(std::move(dsn)), admin_(std::move(admin)) {}

  std::string name_;
  std::string dsn_;
  std::unique_ptr<store::PostgresDatabase> admin_;
};

}  // namespace hub::test_support
