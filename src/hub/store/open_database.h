#pragma once

// Opens the configured backend; the composition root's one call into `store/`.

#include "absl/status/statusor.h"

#include "hub/store/database.h"
#include "hub/store/postgres_database.h"
#include "hub/store/sqlite_database.h"

namespace hub::store {

struct DatabaseOptions {
  Dialect backend = Dialect::kSqlite;
  // Used when `backend` is `kSqlite`.
  SqliteOptions sqlite;
  // Used when `backend` is `kPostgres`.
  PostgresOptions postgres;
};

// `SqliteDatabase::Open` or `PostgresDatabase::Open` for `options.backend`; their errors.
absl::StatusOr<DatabasePtr> OpenDatabase(const DatabaseOptions& options);

}  // namespace hub::store
