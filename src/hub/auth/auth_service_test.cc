// The auth services on SQLite: every test gets a fresh database file.

#include "hub/auth/auth_service_tests.h"
#include "hub/store/sqlite_database.h"
#include "hub/store/test_util.h"

namespace hub::auth {
namespace {

// Removes the directory after the database closes.
struct DirAndDatabase {
  store::testing_util::ScopedTempDir dir;
  std::unique_ptr<store::SqliteDatabase> db;
};

AuthStore SqliteAuthStore() {
  return {"Sqlite", []() -> absl::StatusOr<std::shared_ptr<store::Database>> {
            auto holder = std::make_shared<DirAndDatabase>();
            store::SqliteOptions options;
            options.path = (holder->dir.path() / "hub.db").string();
            HUB_ASSIGN_OR_RETURN(holder->db, store::SqliteDatabase::Open(options));
            // Aliasing constructor: the database pointer keeps the whole holder alive.
            return std::shared_ptr<store::Database>(holder, holder->db.get());
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite,
                         AuthServiceTest,
                         ::testing::Values(SqliteAuthStore()),
                         AuthStoreName);

}  // namespace hub::auth
