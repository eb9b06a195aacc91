-- Hub replicas: one row per running `ersilia-hub serve` process, refreshed by its heartbeat.
-- Times are microseconds since the Unix epoch (UTC), set by the application's clock.
CREATE TABLE {schema}.servers (
  id           TEXT    NOT NULL PRIMARY KEY,
  started_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  info         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(info))
) STRICT;

CREATE INDEX {schema}.servers_last_seen_at ON servers (last_seen_at);
