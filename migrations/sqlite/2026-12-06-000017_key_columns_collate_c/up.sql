-- PostgreSQL's migration 000017 puts the users' key columns in the "C" collation. SQLite's
-- text columns compare byte by byte already (BINARY): nothing to do here.
SELECT 1;
