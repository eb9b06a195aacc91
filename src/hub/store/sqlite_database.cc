#include "hub/store/sqlite_database.h"

#include <filesystem>
#include <functional>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include <sqlite3.h>

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/store/sql_text.h"

namespace hub::store {
namespace {

constexpr std::string_view kSchemaSql = "main";
// Dynamic SQL (e.g. IN lists of varying length) must not grow the cache without bound.
constexpr size_t kMaxCachedStatements = 512;

constexpr char kBeginRead[] = "BEGIN DEFERRED";
constexpr char kBeginWrite[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kQueryOnlyOn[] = "PRAGMA query_only = 1";
constexpr char kQueryOnlyOff[] = "PRAGMA query_only = 0";
constexpr char kPing[] = "SELECT 1";
constexpr char kJournalModeWal[] = "PRAGMA journal_mode = WAL";
// Reads map the file (up to 256 MiB) instead of copying each page through pread, which was a
// visible share of the result cache's many-key lookups. Mapped pages are the OS page cache's,
// shared by every connection. A WAL file keeps its largest size unless limited: after a 50k
// request that wrote the cache it stayed at 141 MB beside a 21 MB database; with the limit it
// is cut back to 64 MiB whenever a checkpoint rewinds it.
constexpr char kConnectionPragmas[] =
    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = 268435456; "
    "PRAGMA journal_size_limit = 67108864;";

absl::StatusCode ConstraintCode(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::StatusCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInvalidArgument;
  }
}

absl::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return ConstraintCode(rc);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kAborted;
    case SQLITE_READONLY:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_INTERRUPT:
      return absl::StatusCode::kCancelled;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status SqliteError(int rc, sqlite3* db, std::string_view subject) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return {CodeFor(rc), fmt::format("sqlite: {} (on {}, code {})", message, subject, rc)};
}

// Connections whose errors may have left them unusable are closed, not pooled.
bool BreaksConnection(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDataLoss;
}

Value ColumnValue(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(stmt, column));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, column);
    case SQLITE_NULL:
      return kNull;
    default: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
      return std::string(data == nullptr ? "" : data, sqlite3_column_bytes(stmt, column));
    }
  }
}

struct StringHash {
  using is_transparent = void;  // NOLINT(readability-identifier-naming): std protocol

  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

}  // namespace

// One sqlite3 handle with its prepared statements. Used by one thread at a time (the pool
// guarantees it), so it is opened with SQLITE_OPEN_NOMUTEX.
class SqliteConnection final {
public:
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const SqliteOptions& options);

  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one statement; `counters` may be null for uncounted control statements.
  absl::StatusOr<Result> Exec(std::string_view sql,
                              const Params& params,
                              StatementCounters* counters);

  absl::Status ExecScript(std::string_view sql, StatementCounters& counters);

  absl::Status Control(std::string_view sql) { return Exec(sql, {}, nullptr).status(); }

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

private:
  struct Cached {
    SqlText sql;
    std::vector<StatementCounters::Counter*> counters;
    sqlite3_stmt* stmt = nullptr;
  };

  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  absl::Status Configure(const SqliteOptions& options);
  absl::StatusOr<Cached*> Prepare(std::string_view sql, StatementCounters* counters);
  absl::Status Bind(const Cached& cached, const Params& params);
  absl::StatusOr<Result> Step(const Cached& cached);
  void ClearCache();

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Cached>, StringHash, std::equal_to<>> cache_;
};

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const SqliteOptions& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(
        fmt::format("cannot open SQLite database {}: {}", options.path, sqlite3_errstr(rc)));
  }
  absl::Status status = conn->Configure(options);
  if (!status.ok()) {
    return status;
  }
  return conn;
}

absl::Status SqliteConnection::Configure(const SqliteOptions& options) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));

  // The journal mode is stored in the file; the pragma answers with the mode in effect.
  auto mode = Exec(kJournalModeWal, {}, nullptr);
  if (!mode.ok()) {
    return mode.status();
  }
  auto mode_name = mode->empty() ? absl::StatusOr<std::string>("") : (*mode)[0].GetString(0);
  if (!mode_name.ok() || *mode_name != "wal") {
    HUB_LOG(warn, "SQLite could not switch to WAL; concurrent readers will wait for writers",
            {"path", options.path});
  }

  char* error = nullptr;
  int rc = sqlite3_exec(db_, kConnectionPragmas, nullptr, nullptr, &error);
  sqlite3_free(error);
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(rc, db_, "connection set-up");
}

SqliteConnection::~SqliteConnection() {
  ClearCache();
  sqlite3_close_v2(db_);
}

void SqliteConnection::ClearCache() {
  for (auto& [sql, cached] : cache_) {
    sqlite3_finalize(cached->stmt);
  }
  cache_.clear();
}

absl::StatusOr<SqliteConnection::Cached*> SqliteConnection::Prepare(std::string_view sql,
                                                                    StatementCounters* counters) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    return it->second.get();
  }
  if (cache_.size() >= kMaxCachedStatements) {
    ClearCache();
  }
  auto rewritten = RewriteStatement(sql, Dialect::kSqlite, kSchemaSql);
  if (!rewritten.ok()) {
    return rewritten.status();
  }

  auto cached = std::make_unique<Cached>();
  cached->sql = std::move(*rewritten);
  const std::string& text = cached->sql.text;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                              SQLITE_PREPARE_PERSISTENT, &cached->stmt, &tail);
  if (rc != SQLITE_OK) {
    return SqliteError(rc, db_, SubjectOf(cached->sql));
  }
  std::string_view rest = tail == nullptr ? "" : tail;
  if (cached->stmt == nullptr || rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_finalize(cached->stmt);
    return absl::InvalidArgumentError(
        "Exec takes exactly one statement; use ExecScript for several");
  }
  if (counters != nullptr) {
    cached->counters = counters->CountersFor(cached->sql.tables);
  }
  return cache_.emplace(std::string(sql), std::move(cached)).first->second.get();
}

absl::Status SqliteConnection::Bind(const Cached& cached, const Params& params) {
  absl::Status valid = ValidateParams(cached.sql, params);
  if (!valid.ok()) {
    return valid;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    const Value& value = params[i];
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<std::int64_t>(&value)) {
      rc = sqlite3_bind_int64(cached.stmt, index, *n);
    } else if (const auto* d = std::get_if<double>(&value)) {
      rc = sqlite3_bind_double(cached.stmt, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      // SQLITE_STATIC: `params` outlives the execution, and bindings are cleared after it.
      rc =
          sqlite3_bind_text64(cached.stmt, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      rc = sqlite3_bind_null(cached.stmt, index);
    }
    if (rc != SQLITE_OK) {
      return SqliteError(rc, db_, SubjectOf(cached.sql));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Result> SqliteConnection::Step(const Cached& cached) {
  sqlite3_stmt* stmt = cached.stmt;
  int columns = sqlite3_column_count(stmt);
  std::vector<Row> rows;
  sqlite3_int64 changes_before = sqlite3_total_changes64(db_);
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<Value> values;
    values.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      values.push_back(ColumnValue(stmt, c));
    }
    rows.emplace_back(std::move(values));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(rc, db_, SubjectOf(cached.sql));
  }

  // `sqlite3_changes64` keeps the count of the last INSERT/UPDATE/DELETE, so only trust it
  // when this statement changed something.
  bool changed = sqlite3_total_changes64(db_) != changes_before;
  std::int64_t affected = changed ? sqlite3_changes64(db_) : 0;
  std::vector<std::string> names;
  names.reserve(columns);
  for (int c = 0; c < columns; ++c) {
    names.emplace_back(sqlite3_column_name(stmt, c));
  }
  return Result(std::move(names), std::move(rows), affected);
}

absl::StatusOr<Result> SqliteConnection::Exec(std::string_view sql,
                                              const Params& params,
                                              StatementCounters* counters) {
  auto cached = Prepare(sql, counters);
  if (!cached.ok()) {
    return cached.status();
  }
  if (counters != nullptr) {
    counters->Record((*cached)->counters);
  }
  absl::Status bound = Bind(**cached, params);
  absl::StatusOr<Result> result = bound.ok() ? Step(**cached) : bound;
  sqlite3_reset((*cached)->stmt);
  sqlite3_clear_bindings((*cached)->stmt);
  return result;
}

absl::Status SqliteConnection::ExecScript(std::string_view sql, StatementCounters& counters) {
  SqlText script = RewriteScript(sql, kSchemaSql);
  counters.Record(counters.CountersFor(script.tables));
  char* error = nullptr;
  int rc = sqlite3_exec(db_, script.text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(rc, db_, SubjectOf(script));
}

namespace {

// A transaction on one leased connection; see `Transaction` for the contract.
class SqliteTransaction final : public Transaction {
public:
  using Lease = ConnectionPool<SqliteConnection>::Lease;

  SqliteTransaction(Lease lease, TxMode mode, StatementCounters& counters)
      : lease_(std::move(lease)), read_only_(mode == TxMode::kRead), counters_(counters) {}

  ~SqliteTransaction() override {
    if (!done_) {
      End(kRollback).IgnoreError();
    }
  }

  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params) override {
    HUB_RETURN_IF_ERROR(Usable());
    auto result = lease_->Exec(sql, params, &counters_);
    if (!result.ok()) {
      failed_ = result.status();
    }
    return result;
  }

  absl::Status ExecScript(std::string_view sql) override {
    HUB_RETURN_IF_ERROR(Usable());
    absl::Status status = lease_->ExecScript(sql, counters_);
    if (!status.ok()) {
      failed_ = status;
    }
    return status;
  }

  absl::Status Commit() override {
    HUB_RETURN_IF_ERROR(Usable());
    return End(kCommit);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

private:
  absl::Status Usable() const {
    if (done_) {
      return absl::FailedPreconditionError("transaction already finished");
    }
    if (!failed_.ok()) {
      return absl::FailedPreconditionError(fmt::format(
          "transaction aborted by an earlier error: {}", common::ToString(failed_.message())));
    }
    return absl::OkStatus();
  }

  // Commits or rolls back and restores the connection's defaults before it is pooled again.
  absl::Status End(const char* sql) {
    done_ = true;
    absl::Status status = absl::OkStatus();
    // Some errors (I/O, disk full, busy) make SQLite roll back on its own.
    if (lease_->InTransaction()) {
      status = lease_->Control(sql);
    }
    if (!status.ok() && lease_->InTransaction()) {
      lease_->Control(kRollback).IgnoreError();
    }
    if (read_only_ && !lease_->Control(kQueryOnlyOff).ok()) {
      lease_.MarkBroken();
    }
    if (BreaksConnection(status) || lease_->InTransaction()) {
      lease_.MarkBroken();
    }
    return status;
  }

  Lease lease_;
  bool read_only_;
  StatementCounters& counters_;
  bool done_ = false;
  absl::Status failed_;
};

}  // namespace

SqliteDatabase::SqliteDatabase(SqliteOptions options) : options_(std::move(options)) {
  ConnectionPool<SqliteConnection>::Options pool_options;
  pool_options.max_size = options_.pool_size;
  pool_options.acquire_timeout = absl::FromChrono(options_.acquire_timeout);
  pool_ = std::make_unique<ConnectionPool<SqliteConnection>>(
      pool_options, [options = options_] { return SqliteConnection::Open(options); });
}

SqliteDatabase::~SqliteDatabase() = default;

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(SqliteOptions options) {
  if (options.path.empty() || options.path == ":memory:" ||
      options.path.rfind("file::memory:", 0) == 0) {
    return absl::InvalidArgumentError(
        "SQLite needs a file path (an in-memory database cannot be shared by a pool)");
  }
  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  std::error_code ec;
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
  }
  if (ec) {
    return absl::UnavailableError(
        fmt::format("cannot create directory {}: {}", parent.string(), ec.message()));
  }

  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(std::move(options)));
  absl::Status ping = db->Ping();
  if (!ping.ok()) {
    return ping;
  }
  HUB_LOG(info, "database opened", {"backend", "sqlite"}, {"path", db->options_.path},
          {"pool_size", db->options_.pool_size});
  return db;
}

std::string SqliteDatabase::Describe() const {
  return fmt::format("sqlite {}", options_.path);
}

absl::StatusOr<Result> SqliteDatabase::Exec(std::string_view sql, const Params& params) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) {
    return lease.status();
  }
  auto result = (*lease)->Exec(sql, params, &counters_);

  // A BEGIN sent through Exec would leave the pooled connection inside a transaction.
  if ((*lease)->InTransaction()) {
    (*lease)->Control(kRollback).IgnoreError();
    return absl::FailedPreconditionError("use Begin() to start transactions, not Exec");
  }
  if (!result.ok() && BreaksConnection(result.status())) {
    lease->MarkBroken();
  }
  return result;
}

absl::Status SqliteDatabase::ExecScript(std::string_view sql) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) {
    return lease.status();
  }
  absl::Status status = (*lease)->ExecScript(sql, counters_);
  if ((*lease)->InTransaction()) {
    (*lease)->Control(kRollback).IgnoreError();
    return absl::FailedPreconditionError("use Begin() to start transactions, not ExecScript");
  }
  return status;
}

absl::StatusOr<TransactionPtr> SqliteDatabase::Begin(TxMode mode) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) {
    return lease.status();
  }
  if (mode == TxMode::kRead) {
    absl::Status status = (*lease)->Control(kQueryOnlyOn);
    if (status.ok()) {
      status = (*lease)->Control(kBeginRead);
    }
    if (!status.ok()) {
      (*lease)->Control(kQueryOnlyOff).IgnoreError();
      return status;
    }
  } else {
    absl::Status status = (*lease)->Control(kBeginWrite);
    if (!status.ok()) {
      return status;
    }
  }
  return TransactionPtr(std::make_unique<SqliteTransaction>(std::move(*lease), mode, counters_));
}

absl::Status SqliteDatabase::Ping() {
  auto lease = pool_->Acquire();
  if (!lease.ok()) {
    return lease.status();
  }
  absl::Status status = (*lease)->Control(kPing);
  if (!status.ok()) {
    lease->MarkBroken();
    return absl::UnavailableError(common::ToString(status.message()));
  }
  return absl::OkStatus();
}

}  // namespace hub::store
