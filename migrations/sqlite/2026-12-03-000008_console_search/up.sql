-- The console's user search (issue 9): a term matched anywhere in the username, nickname,
-- mobile, e-mail or uid, fast on 100,000 users. SQLite answers it from an FTS5 trigram index
-- (terms of three characters or more; shorter ones scan). The index is keyed by
-- user_search_keys' INTEGER PRIMARY KEY, not users' implicit rowid, because VACUUM may renumber
-- the rowids of a table without one. Triggers keep it in step with every write to users.
CREATE TABLE user_search_keys (
    key INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE user_search USING fts5 (
    username, nickname, mobile, email, uid,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);

CREATE TRIGGER user_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_search_keys (user_id) VALUES (new.id);
    INSERT INTO user_search (rowid, username, nickname, mobile, email, uid)
        SELECT key, new.username, new.nickname, new.mobile, new.email, new.id
        FROM user_search_keys WHERE user_id = new.id;
END;
CREATE TRIGGER user_search_update AFTER UPDATE OF username, nickname, mobile, email ON users BEGIN
    DELETE FROM user_search WHERE rowid = (SELECT key FROM user_search_keys WHERE user_id = old.id);
    INSERT INTO user_search (rowid, username, nickname, mobile, email, uid)
        SELECT key, new.username, new.nickname, new.mobile, new.email, new.id
        FROM user_search_keys WHERE user_id = new.id;
END;
CREATE TRIGGER user_search_delete BEFORE DELETE ON users BEGIN
    DELETE FROM user_search WHERE rowid = (SELECT key FROM user_search_keys WHERE user_id = old.id);
END;

INSERT INTO user_search_keys (user_id) SELECT id FROM users;
INSERT INTO user_search (rowid, username, nickname, mobile, email, uid)
    SELECT k.key, u.username, u.nickname, u.mobile, u.email, u.id
    FROM users u JOIN user_search_keys k ON k.user_id = u.id;

-- The list's filters and orders.
CREATE INDEX users_status ON users (status, id);
CREATE INDEX users_register_date ON users (register_date);
CREATE INDEX users_last_login ON users (coalesce(last_login_date, 0), id);
CREATE INDEX user_apps_app ON user_apps (app_id, user_id);
