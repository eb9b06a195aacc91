#include "hub/store/sqlite_database.h"

#include <chrono>
#include <filesystem>

#include "gtest/gtest.h"

#include "hub/store/test_util.h"

namespace hub::store {
namespace {

using testing_util::ScopedTempDir;

SqliteOptions OptionsIn(const ScopedTempDir& dir) {
  SqliteOptions options;
  options.path = (dir.path() / "hub.db").string();
  return options;
}

TEST(SqliteDatabaseTest, CreatesMissingDirectoriesAndFile) {
  ScopedTempDir dir;
  SqliteOptions options;
  options.path = (dir.path() / "var" / "db" / "hub.db").string();

  HUB_ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(options));

  EXPECT_TRUE(std::filesystem::exists(options.path));
  EXPECT_EQ(db->Describe(), "sqlite " + options.path);
  EXPECT_EQ(db->schema(), "main");
}

TEST(SqliteDatabaseTest, RefusesPathsAPoolCannotShare) {
  for (const char* path : {"", ":memory:", "file::memory:?cache=shared"}) {
    SqliteOptions options;
    options.path = path;

    EXPECT_EQ(SqliteDatabase::Open(options).status().code(), absl::StatusCode::kInvalidArgument)
        << path;
  }
}

TEST(SqliteDatabaseTest, UnwritableLocationIsUnavailable) {
  SqliteOptions options;
  options.path = "/proc/hub-store-test/hub.db";

  EXPECT_EQ(SqliteDatabase::Open(options).status().code(), absl::StatusCode::kUnavailable);
}

// Reads the connection settings through `tx` (one pooled connection) and `db` (another).
TEST(SqliteDatabaseTest, ConfiguresEveryConnection) {
  ScopedTempDir dir;
  SqliteOptions options = OptionsIn(dir);
  options.busy_timeout = std::chrono::milliseconds(1234);
  HUB_ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(options));
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr tx, db->Begin(TxMode::kWrite));

  for (int pass = 0; pass < 2; ++pass) {
    auto exec = [&](std::string_view sql) {
      return pass == 0 ? tx->Exec(sql) : db->Exec(sql);
    };
    HUB_ASSERT_OK_AND_ASSIGN(Result journal, exec("PRAGMA journal_mode"));
    HUB_ASSERT_OK_AND_ASSIGN(Result foreign_keys, exec("PRAGMA foreign_keys"));
    HUB_ASSERT_OK_AND_ASSIGN(Result busy, exec("PRAGMA busy_timeout"));
    HUB_ASSERT_OK_AND_ASSIGN(Result synchronous, exec("PRAGMA synchronous"));
    HUB_ASSERT_OK_AND_ASSIGN(Result wal_limit, exec("PRAGMA journal_size_limit"));

    EXPECT_EQ(*journal[0].GetString(0), "wal");
    EXPECT_EQ(*wal_limit[0].GetInt(0), 64 << 20);
    EXPECT_EQ(*foreign_keys[0].GetInt(0), 1);
    EXPECT_EQ(*busy[0].GetInt(0), 1234);
    EXPECT_EQ(*synchronous[0].GetInt(0), 1);  // NORMAL
  }
}

TEST(SqliteDatabaseTest, WriterWaitingPastBusyTimeoutIsAborted) {
  ScopedTempDir dir;
  SqliteOptions options = OptionsIn(dir);
  options.busy_timeout = std::chrono::milliseconds(50);
  HUB_ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(options));
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr holder, db->Begin(TxMode::kWrite));

  auto start = std::chrono::steady_clock::now();
  auto waiter = db->Begin(TxMode::kWrite);
  auto waited = std::chrono::steady_clock::now() - start;

  EXPECT_EQ(waiter.status().code(), absl::StatusCode::kAborted) << waiter.status();
  EXPECT_GE(waited, std::chrono::milliseconds(40));
}

TEST(SqliteDatabaseTest, BeginThroughExecIsRefused) {
  ScopedTempDir dir;
  HUB_ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(OptionsIn(dir)));

  auto begin = db->Exec("BEGIN");
  HUB_ASSERT_OK_AND_ASSIGN(TransactionPtr tx, db->Begin(TxMode::kWrite));

  EXPECT_EQ(begin.status().code(), absl::StatusCode::kFailedPrecondition);
  HUB_EXPECT_OK(tx->Commit());
}

}  // namespace
}  // namespace hub::store
