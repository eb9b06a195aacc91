-- Accounts, anonymous-key identities, sessions, API keys and password reset tokens (issue 4).
-- Times are microseconds since the Unix epoch (UTC), set by the application's clock. Secrets
-- (session tokens, API keys, reset tokens, anonymous keys) are stored only as SHA-256 hex.
CREATE TABLE {schema}.users (
  id                     TEXT    NOT NULL PRIMARY KEY,
  kind                   TEXT    NOT NULL CHECK (kind IN ('user', 'anonymous')),
  username               TEXT    NOT NULL,
  username_key           TEXT    NOT NULL UNIQUE,
  first_name             TEXT    NOT NULL DEFAULT '',
  last_name              TEXT    NOT NULL DEFAULT '',
  email                  TEXT,
  email_key              TEXT    UNIQUE,
  anonymous_key_hash     TEXT    UNIQUE,
  password_hash          TEXT,
  permissions            TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(permissions)),
  permissions_updated_at INTEGER NOT NULL,
  signup_at              INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
) STRICT;

CREATE INDEX {schema}.users_kind_username ON users (kind, username_key);

CREATE TABLE {schema}.sessions (
  id              TEXT    NOT NULL PRIMARY KEY,
  user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash      TEXT    NOT NULL UNIQUE,
  auth_type       TEXT    NOT NULL CHECK (auth_type IN ('ErsiliaUser', 'ErsiliaAnonymous')),
  max_age_seconds INTEGER NOT NULL,
  started_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  client_address  TEXT    NOT NULL DEFAULT '',
  user_agent      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX {schema}.sessions_user_id ON sessions (user_id);
CREATE INDEX {schema}.sessions_expires_at ON sessions (expires_at);

CREATE TABLE {schema}.api_keys (
  id           TEXT    NOT NULL PRIMARY KEY,
  user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,
  key_hash     TEXT    NOT NULL UNIQUE,
  prefix       TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
) STRICT;

CREATE INDEX {schema}.api_keys_user_id ON api_keys (user_id);

CREATE TABLE {schema}.password_reset_tokens (
  token_hash TEXT    NOT NULL PRIMARY KEY,
  user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
) STRICT;

CREATE INDEX {schema}.password_reset_tokens_user_id ON password_reset_tokens (user_id);
