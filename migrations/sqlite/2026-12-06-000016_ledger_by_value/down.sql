CREATE TABLE user_identities_by_app (
    app_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, kind, value)
);
INSERT INTO user_identities_by_app (app_id, kind, value, user_id)
    SELECT app_id, kind, value, user_id FROM user_identities;
DROP TABLE user_identities;
ALTER TABLE user_identities_by_app RENAME TO user_identities;
CREATE INDEX user_identities_user ON user_identities (user_id);
CREATE INDEX user_identities_value ON user_identities (value);
