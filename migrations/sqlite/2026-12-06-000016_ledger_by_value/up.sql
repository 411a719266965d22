-- The identifier ledger keyed by the identifier first. Its readers look a row up by all three
-- key columns (registration, sign-in: app, kind and value) or by value alone (an import
-- screening a batch), so with the value leading the primary key answers both, and the separate
-- value index of migration 000014 goes: one random-position B-tree insert fewer for each of the
-- several rows every user writes (each identifier in each app). WITHOUT ROWID makes the key the
-- table itself, so a row is one B-tree entry instead of a table row plus a key entry. Measured
-- on an import of 100,000 users: 10-16 % faster (BENCHMARKS.md, `unid import`).
CREATE TABLE user_identities_by_value (
    app_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (value, kind, app_id)
) WITHOUT ROWID;
INSERT INTO user_identities_by_value (app_id, kind, value, user_id)
    SELECT app_id, kind, value, user_id FROM user_identities;
DROP TABLE user_identities;
ALTER TABLE user_identities_by_value RENAME TO user_identities;
CREATE INDEX user_identities_user ON user_identities (user_id);
