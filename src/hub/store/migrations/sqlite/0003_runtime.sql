-- Model registry, instance history and instance metrics (issue 5).
-- Times are microseconds since the Unix epoch (UTC), set by the application's clock.
-- `models.details` keeps the upstream camelCase JSON form; `last_updated` is also the
-- optimistic-concurrency token of updates.
CREATE TABLE {schema}.models (
  id           TEXT    NOT NULL PRIMARY KEY,
  enabled      INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  details      TEXT    NOT NULL CHECK (json_valid(details)),
  created_at   INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
) STRICT;

-- Append-only; model_id is not a foreign key so that history survives any model change.
CREATE TABLE {schema}.instance_events (
  id          INTEGER PRIMARY KEY,
  instance_id TEXT    NOT NULL,
  model_id    TEXT    NOT NULL,
  server_id   TEXT    NOT NULL,
  backend     TEXT    NOT NULL,
  event       TEXT    NOT NULL,
  reason      TEXT    NOT NULL DEFAULT '',
  message     TEXT    NOT NULL DEFAULT '',
  details     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
  at          INTEGER NOT NULL
) STRICT;

CREATE INDEX {schema}.instance_events_model_at ON instance_events (model_id, at);
CREATE INDEX {schema}.instance_events_instance_at ON instance_events (instance_id, at);
CREATE INDEX {schema}.instance_events_at ON instance_events (at);

CREATE TABLE {schema}.instance_metrics (
  instance_id       TEXT    NOT NULL PRIMARY KEY,
  model_id          TEXT    NOT NULL,
  server_id         TEXT    NOT NULL,
  backend           TEXT    NOT NULL,
  started_at        INTEGER NOT NULL,
  ready_at          INTEGER NOT NULL,
  stopped_at        INTEGER NOT NULL,
  stop_reason       TEXT    NOT NULL,
  cpu               TEXT    NOT NULL CHECK (json_valid(cpu)),
  memory            TEXT    NOT NULL CHECK (json_valid(memory)),
  cpu_busy          TEXT    NOT NULL CHECK (json_valid(cpu_busy)),
  memory_peak_bytes INTEGER NOT NULL,
  cpu_seconds       REAL    NOT NULL,
  counters          TEXT    NOT NULL CHECK (json_valid(counters)),
  resources         TEXT    NOT NULL CHECK (json_valid(resources))
) STRICT;

CREATE INDEX {schema}.instance_metrics_model_stopped ON instance_metrics (model_id, stopped_at);
