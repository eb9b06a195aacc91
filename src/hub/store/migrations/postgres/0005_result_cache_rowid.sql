-- SQLite's migration 5 re-keys its result cache by rowid (jobs/result_cache.cc). PostgreSQL
-- keeps looking entries up by their (model_id, model_version, input_hash) primary key, so
-- nothing changes here; the version exists so that both backends number migrations alike.
SELECT 1;
