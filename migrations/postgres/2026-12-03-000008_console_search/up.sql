-- The console's user search (issue 9): a term matched anywhere in the username, nickname,
-- mobile, e-mail or uid, fast on 100,000 users. PostgreSQL answers it from a pg_trgm GIN index
-- over the fields joined by newlines (which a one-line search box cannot contain, so a term
-- never matches across two fields). pg_trgm is a trusted extension: the database owner may
-- create it. It is created in `public` unless it exists already, wherever that is; the
-- advisory lock keeps two first migrations (two instances, or parallel tests) from racing.
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('unid:pg_trgm', 0));
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm WITH SCHEMA public;
    END IF;
    SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    EXECUTE format(
        'CREATE INDEX users_search ON users USING gin ((lower(coalesce(username, '''') || E''\n'' || '
        'coalesce(nickname, '''') || E''\n'' || coalesce(mobile, '''') || E''\n'' || '
        'coalesce(email, '''') || E''\n'' || id)) %I.gin_trgm_ops)',
        ext_schema
    );
END
$$;

-- The list's filters and orders.
CREATE INDEX users_status ON users (status, id);
CREATE INDEX users_register_date ON users (register_date);
CREATE INDEX users_last_login ON users ((coalesce(last_login_date, 0)), id);
CREATE INDEX user_apps_app ON user_apps (app_id, user_id);
