#include "hub/store/postgres_database.h"

#include <cmath>
#include <exception>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "pqxx/pqxx"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/store/dsn.h"
#include "hub/store/sql_text.h"

namespace hub::store {
namespace {

constexpr char kSetTimeZone[] = "SET TIME ZONE 'UTC'";
constexpr char kQuietNotices[] = "SET client_min_messages TO WARNING";
constexpr char kSetApplicationName[] = "SELECT set_config('application_name', $1, false)";
constexpr char kPing[] = "SELECT 1";
// Past this many prepared statements on one connection, new statements run unprepared, so
// dynamic SQL cannot exhaust server memory.
constexpr size_t kMaxPreparedStatements = 512;

// The first line of a server message without its "ERROR:" prefix; DETAIL lines can quote
// row values, which must not reach logs or clients.
std::string FirstLine(std::string_view message) {
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (message.substr(0, prefix.size()) == prefix) {
      message.remove_prefix(prefix.size());
    }
  }
  return std::string(message.substr(0, message.find('\n')));
}

absl::StatusCode CodeForSqlState(std::string_view state) {
  std::string_view sqlclass = state.substr(0, 2);
  if (state == "23505") {
    return absl::StatusCode::kAlreadyExists;
  }
  if (state == "23503" || state == "25006") {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (sqlclass == "23" || sqlclass == "22") {
    return absl::StatusCode::kInvalidArgument;
  }
  if (sqlclass == "40" || state == "55P03") {
    return absl::StatusCode::kAborted;
  }
  if (state == "57014") {
    return absl::StatusCode::kDeadlineExceeded;
  }
  if (sqlclass == "08" || sqlclass == "53" || state == "57P01" || state == "57P02" ||
      state == "57P03") {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kInternal;
}

// Converts the exception being handled. Sets `*broken` when the connection is unusable.
absl::Status CurrentExceptionToStatus(std::string_view subject, bool* broken) {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    *broken = true;
    return absl::UnavailableError(
        fmt::format("postgres: connection lost (on {}): {}", subject, FirstLine(e.what())));
  } catch (const pqxx::in_doubt_error& e) {
    *broken = true;
    return absl::UnknownError(fmt::format(
        "postgres: connection lost during COMMIT (on {}); it may or may not have happened",
        subject));
  } catch (const pqxx::statement_completion_unknown& e) {
    *broken = true;
    return absl::UnknownError(
        fmt::format("postgres: statement completion unknown (on {})", subject));
  } catch (const pqxx::transaction_rollback& e) {
    // libpqxx 6 derives serialization failures and deadlocks from `failure`, not `sql_error`.
    return absl::AbortedError(
        fmt::format("postgres: {} (on {}; retry the transaction)", FirstLine(e.what()), subject));
  } catch (const pqxx::sql_error& e) {
    absl::StatusCode code = CodeForSqlState(e.sqlstate());
    *broken = code == absl::StatusCode::kUnavailable;
    return {code, fmt::format("postgres: {} (on {}, SQLSTATE {})", FirstLine(e.what()), subject,
                              e.sqlstate())};
  } catch (const std::exception& e) {
    return absl::InternalError(fmt::format("postgres: {} (on {})", FirstLine(e.what()), subject));
  } catch (...) {
    return absl::InternalError(fmt::format("postgres: unknown exception (on {})", subject));
  }
}

Result ToResult(const pqxx::result& r, bool is_query) {
  const auto columns = r.columns();
  std::vector<std::string> names;
  names.reserve(columns);
  for (pqxx::row::size_type c = 0; c < columns; ++c) {
    names.emplace_back(r.column_name(c));
  }
  std::vector<Row> rows;
  rows.reserve(r.size());
  for (const auto& row : r) {
    std::vector<Value> values;
    values.reserve(columns);
    for (const auto& field : row) {
      values.push_back(field.is_null() ? Value(kNull)
                                       : Value(std::string(field.c_str(), field.size())));
    }
    rows.emplace_back(std::move(values));
  }
  // The command tag of a SELECT carries its row count, which is not an affected count.
  std::int64_t affected = is_query ? 0 : static_cast<std::int64_t>(r.affected_rows());
  return {std::move(names), std::move(rows), affected};
}

// Routes server notices (warnings; notices are turned off) to the hub's log, rate-limited.
class NoticeToLog final : public pqxx::errorhandler {
public:
  explicit NoticeToLog(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}

  bool operator()(const char msg[]) noexcept override {
    if (log::Every("store.postgres_notice", 10'000)) {
      HUB_LOG(warn, "postgres notice", {"message", FirstLine(msg)});
    }
    return false;
  }
};

}  // namespace

// One libpqxx connection with its prepared statements. Used by one thread at a time.
class PgConnection final {
public:
  struct Prepared {
    SqlText sql;
    std::vector<StatementCounters::Counter*> counters;
    // Empty when the statement runs unprepared (cache full).
    std::string name;
  };

  static absl::StatusOr<std::unique_ptr<PgConnection>> Open(const PostgresOptions& options,
                                                            std::string schema_sql);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  pqxx::connection& raw() { return *conn_; }

  const std::string& schema_sql() const { return schema_sql_; }

  // The rewritten statement, prepared on this connection on first use; `counters` (may be
  // null) get the statement's table counters. May throw pqxx exceptions.
  absl::StatusOr<const Prepared*> Prepare(std::string_view sql, StatementCounters* counters);

  // Runs `prepared` in `tx`. Throws pqxx exceptions.
  pqxx::result Run(pqxx::transaction_base& tx, const Prepared& prepared, const Params& params);

private:
  struct StringHash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): std protocol

    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  PgConnection(std::unique_ptr<pqxx::connection> conn, std::string schema_sql)
      : conn_(std::move(conn)), notices_(*conn_), schema_sql_(std::move(schema_sql)) {}

  std::unique_ptr<pqxx::connection> conn_;
  NoticeToLog notices_;
  std::string schema_sql_;
  std::unordered_map<std::string, std::unique_ptr<Prepared>, StringHash, std::equal_to<>> cache_;
  Prepared overflow_;
};

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const PostgresOptions& options,
                                                                 std::string schema_sql) {
  try {
    auto conn = std::make_unique<pqxx::connection>(options.dsn);
    pqxx::nontransaction setup(*conn);
    setup.exec(kSetTimeZone);
    setup.exec(kQuietNotices);
    setup.exec_params(kSetApplicationName, options.application_name);
    setup.commit();
    return std::unique_ptr<PgConnection>(new PgConnection(std::move(conn), std::move(schema_sql)));
  } catch (...) {
    bool broken = false;
    absl::Status status = CurrentExceptionToStatus("connect", &broken);
    return absl::UnavailableError(fmt::format("cannot connect to PostgreSQL ({}): {}",
                                              MaskDsn(options.dsn),
                                              common::ToString(status.message())));
  }
}

absl::StatusOr<const PgConnection::Prepared*> PgConnection::Prepare(std::string_view sql,
                                                                    StatementCounters* counters) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    return it->second.get();
  }
  auto rewritten = RewriteStatement(sql, Dialect::kPostgres, schema_sql_);
  if (!rewritten.ok()) {
    return rewritten.status();
  }
  bool cache = cache_.size() < kMaxPreparedStatements;
  std::unique_ptr<Prepared> owner;
  Prepared* prepared = &overflow_;
  if (cache) {
    owner = std::make_unique<Prepared>();
    prepared = owner.get();
  }
  prepared->sql = std::move(*rewritten);
  prepared->counters.clear();
  if (counters != nullptr) {
    prepared->counters = counters->CountersFor(prepared->sql.tables);
  }
  prepared->name.clear();
  if (!cache) {
    return prepared;
  }

  // libpqxx sends the PREPARE lazily, on first execution.
  prepared->name = fmt::format("hub_{}", cache_.size());
  conn_->prepare(prepared->name, prepared->sql.text);
  cache_.emplace(std::string(sql), std::move(owner));
  return prepared;
}

pqxx::result PgConnection::Run(pqxx::transaction_base& tx,
                               const Prepared& prepared,
                               const Params& params) {
  // Text form for every parameter; PostgreSQL infers each type from the statement.
  std::vector<std::string> numbers;
  numbers.reserve(params.size());
  std::vector<const char*> pointers(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
      pointers[i] = numbers.emplace_back(fmt::format("{}", *n)).c_str();
    } else if (const auto* d = std::get_if<double>(&params[i])) {
      pointers[i] = numbers.emplace_back(RealToText(*d)).c_str();
    } else if (const auto* s = std::get_if<std::string>(&params[i])) {
      pointers[i] = s->c_str();
    }
  }
  auto dynamic = pqxx::prepare::make_dynamic_params(pointers);
  if (prepared.name.empty()) {
    return tx.exec_params(prepared.sql.text, dynamic);
  }
  return tx.exec_prepared(prepared.name, dynamic);
}

namespace {

using PgLease = ConnectionPool<PgConnection>::Lease;

// Runs one statement on `lease` inside `tx` and converts the outcome.
absl::StatusOr<Result> RunStatement(PgLease& lease,
                                    pqxx::transaction_base& tx,
                                    std::string_view sql,
                                    const Params& params,
                                    StatementCounters* counters) {
  std::string_view subject = "statement";
  try {
    HUB_ASSIGN_OR_RETURN(const PgConnection::Prepared* prepared, lease->Prepare(sql, counters));
    subject = SubjectOf(prepared->sql);
    HUB_RETURN_IF_ERROR(ValidateParams(prepared->sql, params));
    if (counters != nullptr) {
      counters->Record(prepared->counters);
    }
    return ToResult(lease->Run(tx, *prepared, params), prepared->sql.is_query);
  } catch (...) {
    bool broken = false;
    absl::Status status = CurrentExceptionToStatus(subject, &broken);
    if (broken || !lease->raw().is_open()) {
      lease.MarkBroken();
    }
    return status;
  }
}

absl::Status RunScript(PgLease& lease,
                       pqxx::transaction_base& tx,
                       std::string_view sql,
                       StatementCounters& counters) {
  SqlText script = RewriteScript(sql, lease->schema_sql());
  counters.Record(counters.CountersFor(script.tables));
  try {
    tx.exec(script.text);
    return absl::OkStatus();
  } catch (...) {
    bool broken = false;
    absl::Status status = CurrentExceptionToStatus(SubjectOf(script), &broken);
    if (broken || !lease->raw().is_open()) {
      lease.MarkBroken();
    }
    return status;
  }
}

std::unique_ptr<pqxx::dbtransaction> StartTransaction(pqxx::connection& conn, TxMode mode) {
  switch (mode) {
    case TxMode::kRead:
      return std::make_unique<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(conn);
    case TxMode::kSerializable:
      return std::make_unique<pqxx::transaction<pqxx::serializable, pqxx::read_write>>(conn);
    case TxMode::kWrite:
      break;
  }
  return std::make_unique<pqxx::transaction<pqxx::read_committed, pqxx::read_write>>(conn);
}

// A libpqxx transaction on one leased connection; see `Transaction` for the contract.
class PgTransaction final : public Transaction {
public:
  PgTransaction(PgLease lease, std::unique_ptr<pqxx::dbtransaction> tx, StatementCounters& counters)
      : lease_(std::move(lease)), tx_(std::move(tx)), counters_(counters) {}

  ~PgTransaction() override {
    if (done_) {
      return;
    }
    try {
      tx_->abort();
    } catch (...) {
      lease_.MarkBroken();
    }
  }

  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params) override {
    HUB_RETURN_IF_ERROR(Usable());
    auto result = RunStatement(lease_, *tx_, sql, params, &counters_);
    if (!result.ok()) {
      failed_ = result.status();
    }
    return result;
  }

  absl::Status ExecScript(std::string_view sql) override {
    HUB_RETURN_IF_ERROR(Usable());
    absl::Status status = RunScript(lease_, *tx_, sql, counters_);
    if (!status.ok()) {
      failed_ = status;
    }
    return status;
  }

  absl::Status Commit() override {
    HUB_RETURN_IF_ERROR(Usable());
    done_ = true;
    try {
      tx_->commit();
      return absl::OkStatus();
    } catch (...) {
      bool broken = false;
      absl::Status status = CurrentExceptionToStatus("COMMIT", &broken);
      if (broken || !lease_->raw().is_open()) {
        lease_.MarkBroken();
      }
      return status;
    }
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

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

  // Destroyed in reverse order: the libpqxx transaction ends before the connection returns.
  PgLease lease_;
  std::unique_ptr<pqxx::dbtransaction> tx_;
  StatementCounters& counters_;
  bool done_ = false;
  absl::Status failed_;
};

}  // namespace

PostgresDatabase::PostgresDatabase(PostgresOptions options)
    : options_(std::move(options)), schema_sql_(QuoteIdentifier(options_.schema)) {
  ConnectionPool<PgConnection>::Options pool_options;
  pool_options.max_size = options_.pool_size;
  pool_options.acquire_timeout = absl::FromChrono(options_.acquire_timeout);
  pool_ = std::make_unique<ConnectionPool<PgConnection>>(
      pool_options, [options = options_, schema_sql = schema_sql_] {
        return PgConnection::Open(options, schema_sql);
      });
}

PostgresDatabase::~PostgresDatabase() = default;

absl::StatusOr<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(PostgresOptions options) {
  if (options.dsn.empty()) {
    return absl::InvalidArgumentError("PostgreSQL needs a connection string (DSN)");
  }
  HUB_RETURN_IF_ERROR(ValidateSchemaName(options.schema));

  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(std::move(options)));
  HUB_RETURN_IF_ERROR(db->Ping());
  HUB_LOG(info, "database opened", {"backend", "postgres"}, {"dsn", MaskDsn(db->options_.dsn)},
          {"schema", db->options_.schema}, {"pool_size", db->options_.pool_size});
  return db;
}

std::string PostgresDatabase::Describe() const {
  return fmt::format("postgres {} schema {}", MaskDsn(options_.dsn), options_.schema);
}

absl::StatusOr<Result> PostgresDatabase::Exec(std::string_view sql, const Params& params) {
  HUB_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
  try {
    pqxx::nontransaction tx(lease->raw());
    auto result = RunStatement(lease, tx, sql, params, &counters_);
    if (result.ok()) {
      tx.commit();
    }
    return result;
  } catch (...) {
    bool broken = false;
    absl::Status status = CurrentExceptionToStatus("autocommit", &broken);
    lease.MarkBroken();
    return status;
  }
}

absl::Status PostgresDatabase::ExecScript(std::string_view sql) {
  HUB_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
  try {
    pqxx::nontransaction tx(lease->raw());
    absl::Status status = RunScript(lease, tx, sql, counters_);
    if (status.ok()) {
      tx.commit();
    }
    return status;
  } catch (...) {
    bool broken = false;
    absl::Status status = CurrentExceptionToStatus("autocommit", &broken);
    lease.MarkBroken();
    return status;
  }
}

absl::StatusOr<TransactionPtr> PostgresDatabase::Begin(TxMode mode) {
  // A pooled connection may have died while idle (server restart, idle timeout). BEGIN is the
  // first thing sent, so a broken connection can be replaced without risk; one more attempt
  // than the pool has connections drains all stale ones.
  absl::Status last = absl::UnavailableError("no connection attempt made");
  for (size_t attempt = 0; attempt <= pool_->max_size(); ++attempt) {
    HUB_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    try {
      auto tx = StartTransaction(lease->raw(), mode);
      return TransactionPtr(
          std::make_unique<PgTransaction>(std::move(lease), std::move(tx), counters_));
    } catch (...) {
      bool broken = false;
      last = CurrentExceptionToStatus("BEGIN", &broken);
      if (!broken && lease->raw().is_open()) {
        return last;
      }
      lease.MarkBroken();
    }
  }
  return last;
}

absl::Status PostgresDatabase::Ping() {
  HUB_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
  try {
    pqxx::nontransaction tx(lease->raw());
    absl::Status status = RunStatement(lease, tx, kPing, {}, nullptr).status();
    if (!status.ok()) {
      return absl::UnavailableError(common::ToString(status.message()));
    }
    tx.commit();
    return absl::OkStatus();
  } catch (...) {
    bool broken = false;
    absl::Status status = CurrentExceptionToStatus("ping", &broken);
    lease.MarkBroken();
    return absl::UnavailableError(common::ToString(status.message()));
  }
}

}  // namespace hub::store
