#pragma once

// Applies versioned migrations and reports whether a database is up to date.
//
// The ledger is `{schema}.schema_migrations(version, name, checksum, applied_at)`; on
// PostgreSQL the schema itself is created first if it does not exist. Each migration runs in
// its own transaction together with its ledger row, so a failed migration leaves nothing
// behind. Migrators racing on one database (replicas starting at once) are safe: on
// PostgreSQL every migration transaction first takes a transaction-scoped advisory lock keyed
// by the schema, on SQLite BEGIN IMMEDIATE serializes them; each re-reads the ledger under the
// lock, so every migration is applied exactly once.
//
// An applied migration whose name or checksum differs from this binary's is an error naming
// it. Applied migrations this binary does not know (the database was migrated by a newer
// release) are tolerated with a warning, so an older release can still start during a rolling
// upgrade or a rollback.
//
// Thread-safety: a `Migrator` may be used from several threads; `db` and `clock` must outlive
// it.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/store/database.h"
#include "hub/store/migration.h"

namespace hub::store {

// One row of the ledger.
struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  common::Micros applied_at = 0;
};

class Migrator final {
public:
  // `migrations` is usually `BuiltinMigrations(db.dialect())`; tests pass their own.
  Migrator(Database& db, std::vector<Migration> migrations, const common::Clock& clock);

  Migrator(const Migrator&) = delete;
  Migrator& operator=(const Migrator&) = delete;

  // Applies every pending migration in version order and returns how many this call applied
  // (0 when the database was up to date, or another migrator got there first).
  // Errors: `kInvalidArgument` for a bad migration list (version not positive or repeated);
  // `kFailedPrecondition` when an applied migration's name or checksum differs (the message
  // names it); otherwise the failing migration's error, prefixed with its version and name.
  [[nodiscard]] absl::StatusOr<int> Apply();

  // The migrations of the list that are not applied yet, by version. Creates nothing (safe for
  // a readiness probe); a database without a ledger has everything pending. Same errors as
  // `Apply`, except that no migration runs.
  [[nodiscard]] absl::StatusOr<std::vector<Migration>> Pending();

  // True when `Pending` is empty.
  [[nodiscard]] absl::StatusOr<bool> IsUpToDate();

  // The ledger by version; empty when there is no ledger yet.
  [[nodiscard]] absl::StatusOr<std::vector<AppliedMigration>> Applied();

private:
  absl::Status ValidateList() const;
  absl::Status Bootstrap();
  absl::Status BootstrapIn(Transaction& tx) const;
  absl::StatusOr<bool> ApplyPending(const Migration& migration);
  absl::StatusOr<std::vector<Migration>> Compare(const std::vector<AppliedMigration>& applied,
                                                 bool warn_unknown) const;
  absl::Status Lock(Transaction& tx) const;
  absl::Status ApplyOne(Transaction& tx, const Migration& migration, bool* ran) const;
  absl::StatusOr<bool> LedgerExists();

  Database& db_;
  std::vector<Migration> migrations_;
  const common::Clock& clock_;
};

}  // namespace hub::store
