-- Hub replicas: one row per running `ersilia-hub serve` process, refreshed by its heartbeat.
-- Times are microseconds since the Unix epoch (UTC), set by the application's clock.
CREATE TABLE {schema}.servers (
  id           TEXT   NOT NULL PRIMARY KEY,
  started_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  info         JSONB  NOT NULL DEFAULT '{}'
);

CREATE INDEX servers_last_seen_at ON {schema}.servers (last_seen_at);
