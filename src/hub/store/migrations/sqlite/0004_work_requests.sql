-- Work requests (issue 6): the request rows, the durable chunk queue, the shared result cache,
-- per-request statistics that outlive retention, and named singleton leases for jobs that
-- must run on one replica at a time. Inputs and results are blobs, not rows.
-- Times are microseconds since the Unix epoch (UTC), set by the application's clock.
CREATE TABLE {schema}.work_requests (
  id             INTEGER PRIMARY KEY,
  uid            TEXT     NOT NULL UNIQUE,
  model_id       TEXT     NOT NULL,
  model_version  TEXT     NOT NULL DEFAULT '',
  user_id        TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  user_kind      TEXT     NOT NULL CHECK (user_kind IN ('user', 'anonymous')),
  status         TEXT     NOT NULL,
  status_reason  TEXT,
  priority       INTEGER  NOT NULL DEFAULT 0,
  lane           INTEGER NOT NULL DEFAULT 1,
  request_date   INTEGER   NOT NULL,
  started_at     INTEGER,
  processed_at   INTEGER,
  last_updated   INTEGER   NOT NULL,
  rows_total     INTEGER   NOT NULL DEFAULT 0,
  rows_invalid   INTEGER   NOT NULL DEFAULT 0,
  rows_unique    INTEGER   NOT NULL DEFAULT 0,
  rows_cached    INTEGER   NOT NULL DEFAULT 0,
  rows_done      INTEGER   NOT NULL DEFAULT 0,
  rows_failed    INTEGER   NOT NULL DEFAULT 0,
  chunks_total   INTEGER  NOT NULL DEFAULT 0,
  chunks_open    INTEGER  NOT NULL DEFAULT 0,
  has_header     INTEGER NOT NULL DEFAULT 0,
  cache_opt_in   INTEGER NOT NULL DEFAULT 0,
  cache_write    INTEGER NOT NULL DEFAULT 0,
  columns        TEXT,
  metadata       TEXT     NOT NULL DEFAULT '{}' CHECK (json_valid(metadata))
) STRICT;

CREATE INDEX {schema}.work_requests_user_date ON work_requests (user_id, request_date);
CREATE INDEX {schema}.work_requests_model_date ON work_requests (model_id, request_date);
CREATE INDEX {schema}.work_requests_status_date ON work_requests (status, request_date);
CREATE INDEX {schema}.work_requests_date ON work_requests (request_date);

-- One row per chunk: consecutive distinct inputs of a request, computed together. A chunk
-- that keeps failing is SPLIT into two children over halves of its lines.
CREATE TABLE {schema}.work_request_chunks (
  id            INTEGER PRIMARY KEY,
  request_id    INTEGER   NOT NULL REFERENCES work_requests (id) ON DELETE CASCADE,
  model_id      TEXT     NOT NULL,
  user_id       TEXT     NOT NULL,
  priority      INTEGER  NOT NULL DEFAULT 0,
  lane          INTEGER NOT NULL DEFAULT 1,
  seq           INTEGER  NOT NULL,
  first_unique  INTEGER   NOT NULL,
  input_key     TEXT     NOT NULL,
  line_begin    INTEGER  NOT NULL,
  line_end      INTEGER  NOT NULL,
  status        TEXT     NOT NULL,
  attempts      INTEGER  NOT NULL DEFAULT 0,
  lease_owner   TEXT,
  lease_token   TEXT,
  lease_expires INTEGER,
  not_before    INTEGER   NOT NULL DEFAULT 0,
  result_key    TEXT,
  rows_failed   INTEGER  NOT NULL DEFAULT 0,
  last_error    TEXT,
  created_at    INTEGER   NOT NULL,
  updated_at    INTEGER   NOT NULL
) STRICT;

CREATE INDEX {schema}.work_request_chunks_queue ON work_request_chunks (status, model_id, priority, lane, request_id);
CREATE INDEX {schema}.work_request_chunks_request ON work_request_chunks (request_id, first_unique);
CREATE INDEX {schema}.work_request_chunks_user ON work_request_chunks (user_id, status);

-- Results shared between requests: one row per (model, model version, input). Written only
-- from requests whose owner opted in (registered users) or by admins.
CREATE TABLE {schema}.result_cache (
  model_id      TEXT   NOT NULL,
  model_version TEXT   NOT NULL,
  input_hash    TEXT   NOT NULL,
  input         TEXT   NOT NULL,
  result        TEXT   NOT NULL,
  contributor   TEXT,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (model_id, model_version, input_hash)
) STRICT;

CREATE INDEX {schema}.result_cache_contributor ON result_cache (contributor);

-- One row per request, kept after the request is deleted (no molecules, no user data beyond
-- the kind of identity).
CREATE TABLE {schema}.work_request_stats (
  request_id   INTEGER   NOT NULL PRIMARY KEY,
  model_id     TEXT     NOT NULL,
  user_id      TEXT     NOT NULL,
  user_kind    TEXT     NOT NULL,
  input_size   INTEGER   NOT NULL,
  status       TEXT     NOT NULL,
  processed    INTEGER NOT NULL DEFAULT 0,
  success      INTEGER NOT NULL DEFAULT 0,
  request_date INTEGER   NOT NULL,
  started_at   INTEGER,
  processed_at INTEGER,
  stages       TEXT     NOT NULL DEFAULT '{}' CHECK (json_valid(stages))
) STRICT;

CREATE INDEX {schema}.work_request_stats_model_date ON work_request_stats (model_id, request_date);
CREATE INDEX {schema}.work_request_stats_date ON work_request_stats (request_date);

-- A named lease that at most one replica holds at a time (retention, node scaling, ...).
CREATE TABLE {schema}.singleton_leases (
  name       TEXT   NOT NULL PRIMARY KEY,
  holder     TEXT   NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
