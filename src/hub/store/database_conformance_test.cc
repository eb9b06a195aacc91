// The conformance suite on SQLite: every test gets a fresh database file.

#include "hub/store/database_conformance.h"

#include "hub/store/sqlite_database.h"

namespace hub::store {
namespace {

class SqliteStore final : public ConformanceStore {
public:
  absl::StatusOr<DatabasePtr> Open() override {
    SqliteOptions options;
    options.path = (dir_.path() / "hub.db").string();
    auto db = SqliteDatabase::Open(options);
    if (!db.ok()) {
      return db.status();
    }
    return DatabasePtr(std::move(*db));
  }

private:
  testing_util::ScopedTempDir dir_;
};

ConformanceBackend SqliteBackend() {
  return {"Sqlite", []() -> absl::StatusOr<std::unique_ptr<ConformanceStore>> {
            return std::make_unique<SqliteStore>();
          }};
}

}  // namespace

HUB_INSTANTIATE_DATABASE_CONFORMANCE(Sqlite, SqliteBackend());

}  // namespace hub::store
