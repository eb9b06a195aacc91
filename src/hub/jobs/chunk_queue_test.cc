// The chunk queue on SQLite: every test gets a fresh database file.

#include <unistd.h>

#include <filesystem>

#include "hub/jobs/chunk_queue_tests.h"
#include "hub/jobs/result_cache_tests.h"
#include "hub/store/sqlite_database.h"

namespace hub::jobs {
namespace {

QueueBackend SqliteBackend() {
  return {"Sqlite", []() -> absl::StatusOr<QueueStore> {
            static std::atomic<int> counter{0};
            auto dir = std::make_shared<std::string>(::testing::TempDir() + "/queue_test_" +
                                                     std::to_string(::getpid()) + "_" +
                                                     std::to_string(counter++));
            std::filesystem::remove_all(*dir);
            QueueStore store;
            store.keepalive = std::shared_ptr<void>(
                dir.get(), [dir](void*) { std::filesystem::remove_all(*dir); });
            store.open = [dir]() -> absl::StatusOr<store::DatabasePtr> {
              auto db = store::SqliteDatabase::Open({.path = *dir + "/hub.db"});
              if (!db.ok()) {
                return db.status();
              }
              return store::DatabasePtr(std::move(*db));
            };
            return store;
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite,
                         ChunkQueueTest,
                         ::testing::Values(SqliteBackend()),
                         [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(Sqlite,
                         ResultCacheTest,
                         ::testing::Values(SqliteBackend()),
                         [](const auto& info) { return info.param.name; });

// A fresh SQLite database; `Migrate` applies the built-in migrations up to a version.
class ResultCacheSqliteTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto store = SqliteBackend().make();
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    auto db = store_.open();
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
  }

  void Migrate(int last_version) {
    std::vector<store::Migration> migrations;
    for (store::Migration& m : store::BuiltinMigrations(store::Dialect::kSqlite)) {
      if (m.version <= last_version) {
        migrations.push_back(std::move(m));
      }
    }
    ASSERT_TRUE(store::Migrator(*db_, migrations, clock_).Apply().ok());
  }

  QueueStore store_;
  store::DatabasePtr db_;
  common::ManualClock clock_{1'800'000'000'000'000};
};

// Migration 5 re-keys the SQLite cache by rowid: rows written before could never be found, so
// it drops them and keeps the column names, and the cache then fills again as usual.
TEST_F(ResultCacheSqliteTest, MigrationFiveDropsUnkeyedRowsAndKeepsColumnNames) {
  Migrate(4);
  const char* insert =
      "INSERT INTO {schema}.result_cache (model_id, model_version, input_hash, input, result, "
      "created_at) VALUES ('eos3b5e', 'v1', $1, $2, $3, 0)";
  ASSERT_TRUE(db_->Exec(insert, {InputHash("CCO"), "CCO", "[1]"}).ok());
  ASSERT_TRUE(db_->Exec(insert, {"__columns__", "", "[\"value\"]"}).ok());

  Migrate(5);
  ResultCache cache(*db_, clock_);
  std::string hash = InputHash("CCO");
  std::vector<std::string_view> hashes = {hash};
  auto old = cache.Lookup({"eos3b5e", "v1"}, hashes);
  auto columns = cache.Columns({"eos3b5e", "v1"});
  ASSERT_TRUE(cache.Store({"eos3b5e", "v1"}, {{InputHash("CCO"), "CCO", "[2]"}}, "", "").ok());
  auto fresh = cache.Lookup({"eos3b5e", "v1"}, hashes);

  ASSERT_TRUE(old.ok() && columns.ok() && fresh.ok());
  EXPECT_EQ(old->at(0), std::nullopt);
  EXPECT_EQ(*columns, "[\"value\"]");
  EXPECT_EQ(fresh->at(0), "[2]");
}

// Without statistics SQLite's planner prefers the primary key's (model_id, model_version)
// prefix over 500 rowid searches, scanning a model's whole cache per statement.
TEST_F(ResultCacheSqliteTest, LookupSearchesByRowid) {
  Migrate(5);
  store::Params params = {"eos3b5e", "v1"};
  for (std::int64_t i = 0; i < 500; ++i) {
    params.emplace_back(i);
  }

  auto plan = db_->Exec(
      "EXPLAIN QUERY PLAN " + internal::CacheLookupSql(store::Dialect::kSqlite, 500), params);

  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->size(), 1u);
  auto detail = (*plan)[0].GetString(3);
  ASSERT_TRUE(detail.ok());
  EXPECT_NE(detail->find("INTEGER PRIMARY KEY"), std::string::npos) << *detail;
}

}  // namespace hub::jobs
