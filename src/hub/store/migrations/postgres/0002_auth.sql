-- Accounts, anonymous-key identities, sessions, API keys and password reset tokens (issue 4).
-- Times are microseconds since the Unix epoch (UTC), set by the application's clock. Secrets
-- (session tokens, API keys, reset tokens, anonymous keys) are stored only as SHA-256 hex.
CREATE TABLE {schema}.users (
  id                     TEXT   NOT NULL PRIMARY KEY,
  kind                   TEXT   NOT NULL CHECK (kind IN ('user', 'anonymous')),
  username               TEXT   NOT NULL,
  username_key           TEXT   NOT NULL UNIQUE,
  first_name             TEXT   NOT NULL DEFAULT '',
  last_name              TEXT   NOT NULL DEFAULT '',
  email                  TEXT,
  email_key              TEXT   UNIQUE,
  anonymous_key_hash     TEXT   UNIQUE,
  password_hash          TEXT,
  permissions            JSONB  NOT NULL DEFAULT '[]',
  permissions_updated_at BIGINT NOT NULL,
  signup_at              BIGINT NOT NULL,
  updated_at             BIGINT NOT NULL
);

CREATE INDEX users_kind_username ON {schema}.users (kind, username_key);

CREATE TABLE {schema}.sessions (
  id              TEXT   NOT NULL PRIMARY KEY,
  user_id         TEXT   NOT NULL REFERENCES {schema}.users (id) ON DELETE CASCADE,
  token_hash      TEXT   NOT NULL UNIQUE,
  auth_type       TEXT   NOT NULL CHECK (auth_type IN ('ErsiliaUser', 'ErsiliaAnonymous')),
  max_age_seconds BIGINT NOT NULL,
  started_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  client_address  TEXT   NOT NULL DEFAULT '',
  user_agent      TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX sessions_user_id ON {schema}.sessions (user_id);
CREATE INDEX sessions_expires_at ON {schema}.sessions (expires_at);

CREATE TABLE {schema}.api_keys (
  id           TEXT   NOT NULL PRIMARY KEY,
  user_id      TEXT   NOT NULL REFERENCES {schema}.users (id) ON DELETE CASCADE,
  name         TEXT   NOT NULL,
  key_hash     TEXT   NOT NULL UNIQUE,
  prefix       TEXT   NOT NULL,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT
);

CREATE INDEX api_keys_user_id ON {schema}.api_keys (user_id);

CREATE TABLE {schema}.password_reset_tokens (
  token_hash TEXT   NOT NULL PRIMARY KEY,
  user_id    TEXT   NOT NULL REFERENCES {schema}.users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);

CREATE INDEX password_reset_tokens_user_id ON {schema}.password_reset_tokens (user_id);
