-- Back to the database's collation.
ALTER TABLE users
    ALTER COLUMN id TYPE TEXT COLLATE "default",
    ALTER COLUMN username TYPE TEXT COLLATE "default",
    ALTER COLUMN mobile TYPE TEXT COLLATE "default",
    ALTER COLUMN email TYPE TEXT COLLATE "default",
    ALTER COLUMN my_invite_code TYPE TEXT COLLATE "default";
ALTER TABLE user_apps
    ALTER COLUMN user_id TYPE TEXT COLLATE "default",
    ALTER COLUMN app_id TYPE TEXT COLLATE "default";
ALTER TABLE user_roles
    ALTER COLUMN user_id TYPE TEXT COLLATE "default";
ALTER TABLE user_third_party
    ALTER COLUMN user_id TYPE TEXT COLLATE "default",
    ALTER COLUMN provider TYPE TEXT COLLATE "default",
    ALTER COLUMN kind TYPE TEXT COLLATE "default",
    ALTER COLUMN platform TYPE TEXT COLLATE "default",
    ALTER COLUMN value TYPE TEXT COLLATE "default";
ALTER TABLE user_identities
    ALTER COLUMN app_id TYPE TEXT COLLATE "default",
    ALTER COLUMN kind TYPE TEXT COLLATE "default",
    ALTER COLUMN value TYPE TEXT COLLATE "default",
    ALTER COLUMN user_id TYPE TEXT COLLATE "default";
ALTER TABLE user_realname
    ALTER COLUMN user_id TYPE TEXT COLLATE "default";
