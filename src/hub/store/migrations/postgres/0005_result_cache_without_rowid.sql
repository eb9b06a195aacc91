-- Version 5 rebuilt SQLite's result_cache as a WITHOUT ROWID table. PostgreSQL's primary key
-- index already serves the lookups; the version exists so that both backends count alike.
SELECT 1;
