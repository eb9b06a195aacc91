#pragma once

// The production backend: PostgreSQL through libpqxx 6.4, with a connection pool.
//
// All tables live in the configured schema: the `{schema}` token becomes the quoted schema
// name in every statement, so the connection's `search_path` does not matter (the upstream
// system's driver ignored its schema setting; this design cannot). Every connection is set
// to `TIME ZONE 'UTC'`, `client_min_messages = warning` and the configured
// `application_name`. Statements are prepared once per connection and reused.
//
// libpqxx throws; this adapter catches everything and returns `absl::Status` (codes in
// `database.h`). A connection that broke is dropped and replaced by the next `Acquire`.
// `Begin` retries transparently on a pooled connection found broken (nothing has run yet);
// a failed autocommit `Exec` is not retried, since the statement may have run.
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

struct PostgresOptions {
  // libpq connection string: "host=... port=... dbname=... user=... password=..." or a
  // "postgresql://" URI. Logged only through `MaskDsn`.
  std::string dsn;
  // Schema that holds every hub table; created by the `Migrator` if missing. See
  // `ValidateSchemaName` for the allowed names.
  std::string schema = "public";
  // Connections kept open at most.
  size_t pool_size = 10;
  // How long a caller waits for a free connection before `kUnavailable`.
  std::chrono::milliseconds acquire_timeout{5000};
  // Shown in `pg_stat_activity`.
  std::string application_name = "ersilia-hub";
};

class PgConnection;

class PostgresDatabase final : public Database {
public:
  // Validates the options and opens one connection to check them. `kInvalidArgument` for a
  // bad schema name or an empty DSN; `kUnavailable` when the server cannot be reached or
  // refuses the credentials.
  static absl::StatusOr<std::unique_ptr<PostgresDatabase>> Open(PostgresOptions options);

  ~PostgresDatabase() override;

  // Database methods.
  Dialect dialect() const override { return Dialect::kPostgres; }

  const std::string& schema() const override { return options_.schema; }

  std::string Describe() const override;
  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {}) override;
  absl::Status ExecScript(std::string_view sql) override;
  absl::StatusOr<TransactionPtr> Begin(TxMode mode) override;
  absl::Status Ping() override;

  DatabaseStats stats() const override { return counters_.Snapshot(); }

  // Connections open right now (idle or in use), for tests and metrics.
  size_t OpenConnectionsForTest() const { return pool_->open_count(); }

private:
  explicit PostgresDatabase(PostgresOptions options);

  PostgresOptions options_;
  std::string schema_sql_;
  StatementCounters counters_;
  std::unique_ptr<ConnectionPool<PgConnection>> pool_;
};

}  // namespace hub::store
