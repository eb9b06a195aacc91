-- The result cache is looked up by rowid on SQLite: a row's rowid is derived from its model,
-- model version and input hash (jobs/result_cache.cc, docs/decisions/jobs.md), which takes one
-- integer b-tree search per molecule instead of a text-key index search plus a table search.
-- Rows written before carry arbitrary rowids that lookups would never find, and SQLite cannot
-- compute the new keys in SQL, so they are dropped: the cache refills as requests run. The
-- column-name rows stay (they are read by their text key).
DELETE FROM {schema}.result_cache WHERE input_hash <> '__columns__';
