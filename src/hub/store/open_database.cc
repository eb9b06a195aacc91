#include "hub/store/open_database.h"

namespace hub::store {

absl::StatusOr<DatabasePtr> OpenDatabase(const DatabaseOptions& options) {
  if (options.backend == Dialect::kPostgres) {
    auto db = PostgresDatabase::Open(options.postgres);
    if (!db.ok()) {
      return db.status();
    }
    return DatabasePtr(std::move(*db));
  }
  auto db = SqliteDatabase::Open(options.sqlite);
  if (!db.ok()) {
    return db.status();
  }
  return DatabasePtr(std::move(*db));
}

}  // namespace hub::store
