-- The result cache is only ever read by its key, tens of thousands of keys per request. As a
-- WITHOUT ROWID table each row lives in its primary key's B-tree, so a lookup is one search
-- instead of two (the key's index, then the table by rowid).
CREATE TABLE {schema}.result_cache_by_key (
  model_id      TEXT   NOT NULL,
  model_version TEXT   NOT NULL,
  input_hash    TEXT   NOT NULL,
  input         TEXT   NOT NULL,
  result        TEXT   NOT NULL,
  contributor   TEXT,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (model_id, model_version, input_hash)
) STRICT, WITHOUT ROWID;

INSERT INTO {schema}.result_cache_by_key
  SELECT model_id, model_version, input_hash, input, result, contributor, created_at
  FROM {schema}.result_cache;

DROP TABLE {schema}.result_cache;
ALTER TABLE {schema}.result_cache_by_key RENAME TO result_cache;
CREATE INDEX {schema}.result_cache_contributor ON result_cache (contributor);
