#include "hub/store/migrator.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::store {
namespace {

constexpr char kCreateLedgerSqlite[] =
    "CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
    " version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL) STRICT";
constexpr char kCreateLedgerPostgres[] =
    "CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
    " version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
constexpr char kSchemaExistsPostgres[] = "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1";
constexpr char kCreateSchemaPostgres[] = "CREATE SCHEMA IF NOT EXISTS {schema}";
constexpr char kLedgerExistsSqlite[] =
    "SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr char kLedgerExistsPostgres[] =
    "SELECT 1 FROM pg_catalog.pg_tables"
    " WHERE schemaname = $1 AND tablename = 'schema_migrations'";
constexpr char kLockPostgres[] = "SELECT pg_advisory_xact_lock($1)";
constexpr char kSelectLedger[] =
    "SELECT version, name, checksum, applied_at FROM {schema}.schema_migrations"
    " ORDER BY version";
constexpr char kSelectLedgerRow[] =
    "SELECT name, checksum FROM {schema}.schema_migrations WHERE version = $1";
constexpr char kInsertLedgerRow[] =
    "INSERT INTO {schema}.schema_migrations (version, name, checksum, applied_at)"
    " VALUES ($1, $2, $3, $4)";

// FNV-1a, so every release derives the same advisory-lock key from a schema name.
std::int64_t LockKey(std::string_view schema) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (char c : fmt::format("ersilia-hub migrations {}", schema)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  return static_cast<std::int64_t>(hash);
}

absl::Status CheckSame(const Migration& migration,
                       std::string_view applied_name,
                       std::string_view applied_checksum) {
  if (applied_name != migration.name) {
    return absl::FailedPreconditionError(
        fmt::format("migration {:04d} is recorded as '{}' but this binary names it '{}'; applied "
                    "migrations must never change",
                    migration.version, applied_name, migration.name));
  }
  std::string checksum = migration.Checksum();
  if (applied_checksum != checksum) {
    return absl::FailedPreconditionError(fmt::format(
        "migration {} was applied with checksum {} but this binary's file has {}; applied "
        "migrations must never change: restore the file and add a new migration",
        migration.Label(), applied_checksum.substr(0, 12), checksum.substr(0, 12)));
  }
  return absl::OkStatus();
}

}  // namespace

Migrator::Migrator(Database& db, std::vector<Migration> migrations, const common::Clock& clock)
    : db_(db), migrations_(std::move(migrations)), clock_(clock) {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
}

absl::Status Migrator::ValidateList() const {
  for (size_t i = 0; i < migrations_.size(); ++i) {
    if (migrations_[i].version <= 0) {
      return absl::InvalidArgumentError(
          fmt::format("migration '{}' has version {}; versions start at 1", migrations_[i].name,
                      migrations_[i].version));
    }
    if (i > 0 && migrations_[i].version == migrations_[i - 1].version) {
      return absl::InvalidArgumentError(
          fmt::format("migration version {:04d} appears twice", migrations_[i].version));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Migrator::Apply() {
  HUB_RETURN_IF_ERROR(ValidateList());
  HUB_RETURN_IF_ERROR(Bootstrap());
  HUB_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied, Applied());
  HUB_ASSIGN_OR_RETURN(std::vector<Migration> pending, Compare(applied, /*warn_unknown=*/true));

  int count = 0;
  for (const Migration& migration : pending) {
    HUB_ASSIGN_OR_RETURN(bool ran, ApplyPending(migration));
    count += ran ? 1 : 0;
  }
  return count;
}

absl::StatusOr<bool> Migrator::ApplyPending(const Migration& migration) {
  bool ran = false;
  absl::Status status = RunInTransaction(
      db_, TxMode::kWrite, [&](Transaction& tx) { return ApplyOne(tx, migration, &ran); });
  if (!status.ok()) {
    return absl::Status(status.code(), fmt::format("migration {} failed: {}", migration.Label(),
                                                   common::ToString(status.message())));
  }
  if (ran) {
    HUB_LOG(info, "migration applied", {"version", migration.version}, {"name", migration.name},
            {"backend", DialectName(db_.dialect())});
  }
  return ran;
}

absl::StatusOr<std::vector<Migration>> Migrator::Pending() {
  HUB_RETURN_IF_ERROR(ValidateList());
  HUB_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied, Applied());
  return Compare(applied, /*warn_unknown=*/false);
}

absl::StatusOr<bool> Migrator::IsUpToDate() {
  HUB_ASSIGN_OR_RETURN(std::vector<Migration> pending, Pending());
  return pending.empty();
}

absl::StatusOr<std::vector<AppliedMigration>> Migrator::Applied() {
  HUB_ASSIGN_OR_RETURN(bool exists, LedgerExists());
  std::vector<AppliedMigration> applied;
  if (!exists) {
    return applied;
  }
  HUB_ASSIGN_OR_RETURN(Result rows, db_.Exec(kSelectLedger));
  for (const Row& row : rows) {
    AppliedMigration entry;
    HUB_ASSIGN_OR_RETURN(std::int64_t version, row.GetInt(0));
    entry.version = static_cast<int>(version);
    HUB_ASSIGN_OR_RETURN(entry.name, row.GetString(1));
    HUB_ASSIGN_OR_RETURN(entry.checksum, row.GetString(2));
    HUB_ASSIGN_OR_RETURN(entry.applied_at, row.GetInt(3));
    applied.push_back(std::move(entry));
  }
  return applied;
}

absl::StatusOr<bool> Migrator::LedgerExists() {
  bool postgres = db_.dialect() == Dialect::kPostgres;
  HUB_ASSIGN_OR_RETURN(Result rows, postgres ? db_.Exec(kLedgerExistsPostgres, {db_.schema()})
                                             : db_.Exec(kLedgerExistsSqlite));
  return !rows.empty();
}

// Creates the schema (PostgreSQL) and the ledger under the migration lock. The schema is
// created only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
// database even when the schema exists.
absl::Status Migrator::Bootstrap() {
  return RunInTransaction(db_, TxMode::kWrite, [this](Transaction& tx) { return BootstrapIn(tx); });
}

absl::Status Migrator::BootstrapIn(Transaction& tx) const {
  HUB_RETURN_IF_ERROR(Lock(tx));
  if (tx.dialect() == Dialect::kSqlite) {
    return tx.ExecScript(kCreateLedgerSqlite);
  }
  HUB_ASSIGN_OR_RETURN(Result schema, tx.Exec(kSchemaExistsPostgres, {db_.schema()}));
  if (schema.empty()) {
    HUB_RETURN_IF_ERROR(tx.ExecScript(kCreateSchemaPostgres));
    HUB_LOG(info, "database schema created", {"schema", db_.schema()});
  }
  return tx.ExecScript(kCreateLedgerPostgres);
}

absl::StatusOr<std::vector<Migration>> Migrator::Compare(
    const std::vector<AppliedMigration>& applied, bool warn_unknown) const {
  std::map<int, const AppliedMigration*> by_version;
  for (const AppliedMigration& entry : applied) {
    by_version[entry.version] = &entry;
  }
  std::vector<Migration> pending;
  for (const Migration& migration : migrations_) {
    auto it = by_version.find(migration.version);
    if (it == by_version.end()) {
      pending.push_back(migration);
      continue;
    }
    HUB_RETURN_IF_ERROR(CheckSame(migration, it->second->name, it->second->checksum));
    by_version.erase(it);
  }

  // What remains was applied by a newer release.
  if (warn_unknown && !by_version.empty()) {
    const AppliedMigration& newest = *by_version.rbegin()->second;
    HUB_LOG(warn, "database has migrations newer than this binary", {"count", by_version.size()},
            {"newest_version", newest.version}, {"newest_name", newest.name});
  }
  return pending;
}

absl::Status Migrator::Lock(Transaction& tx) const {
  if (tx.dialect() == Dialect::kSqlite) {
    return absl::OkStatus();  // BEGIN IMMEDIATE already holds the only write lock.
  }
  return tx.Exec(kLockPostgres, {LockKey(db_.schema())}).status();
}

absl::Status Migrator::ApplyOne(Transaction& tx, const Migration& migration, bool* ran) const {
  *ran = false;
  HUB_RETURN_IF_ERROR(Lock(tx));

  // Another migrator may have applied it while this one waited for the lock.
  HUB_ASSIGN_OR_RETURN(Result existing, tx.Exec(kSelectLedgerRow, {migration.version}));
  if (!existing.empty()) {
    HUB_ASSIGN_OR_RETURN(std::string name, existing[0].GetString(0));
    HUB_ASSIGN_OR_RETURN(std::string checksum, existing[0].GetString(1));
    return CheckSame(migration, name, checksum);
  }

  HUB_RETURN_IF_ERROR(tx.ExecScript(migration.sql));
  HUB_RETURN_IF_ERROR(tx.Exec(kInsertLedgerRow, {migration.version, migration.name,
                                                 migration.Checksum(), clock_.NowMicros()})
                          .status());
  *ran = true;
  return absl::OkStatus();
}

}  // namespace hub::store
