#pragma once

// The embedded backend: one SQLite file, opened through the sqlite3 C API.
//
// Every connection is configured the same way: WAL journal, `synchronous=NORMAL` (a crash
// loses at most the last transactions, never consistency), `foreign_keys=ON`, `busy_timeout`
// so writers queue for the single write lock instead of failing, extended result codes.
// Connections come from a small pool (one per concurrent user), each with its own cache of
// prepared statements. Write transactions use BEGIN IMMEDIATE, so they take the write lock at
// the start and cannot fail later with SQLITE_BUSY on a lock upgrade.
//
// Thread-safety: see `Database`. The object must outlive its transactions.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "hub/store/connection_pool.h"
#include "hub/store/database.h"
#include "hub/store/statement_counters.h"

namespace hub::store {

struct SqliteOptions {
  // The database file. Missing parent directories and the file are created. ":memory:" is
  // refused: every pooled connection would see a different database.
  std::string path;
  // Connections kept open at most: the number of threads that can use the database at once.
  size_t pool_size = 4;
  // How long a writer waits for the write lock before failing with `kAborted`.
  std::chrono::milliseconds busy_timeout{5000};
  // How long a caller waits for a free connection before `kUnavailable`.
  std::chrono::milliseconds acquire_timeout{10000};
};

class SqliteConnection;

class SqliteDatabase final : public Database {
public:
  // Opens (creating if needed) the file and checks that one connection works.
  // `kInvalidArgument` for an empty path or ":memory:"; `kUnavailable` when the file or its
  // directory cannot be created or opened.
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(SqliteOptions options);

  ~SqliteDatabase() override;

  // Database methods.
  Dialect dialect() const override { return Dialect::kSqlite; }

  const std::string& schema() const override { return schema_; }

  std::string Describe() const override;
  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {}) override;
  absl::Status ExecScript(std::string_view sql) override;
  absl::StatusOr<TransactionPtr> Begin(TxMode mode) override;
  absl::Status Ping() override;

  DatabaseStats stats() const override { return counters_.Snapshot(); }

private:
  explicit SqliteDatabase(SqliteOptions options);

  SqliteOptions options_;
  std::string schema_ = "main";
  StatementCounters counters_;
  std::unique_ptr<ConnectionPool<SqliteConnection>> pool_;
};

}  // namespace hub::store
