-- The console's apps and tags (issue 9). `apps` names the DCloud appids users may be
-- authorized for (uni-admin's opendb-app-list); `user_tags` is uni-id-tag (spec §12.8), whose
-- tagids users.tags holds.
CREATE TABLE apps (
    appid TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    create_date BIGINT NOT NULL
);
CREATE TABLE user_tags (
    tagid TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    create_date BIGINT NOT NULL
);
CREATE INDEX user_tags_name ON user_tags (name);
INSERT INTO permissions (permission_id, permission_name, comment, create_date) VALUES
  ('app.write', 'Manage apps and tags', 'Console: name apps and define user tags', 1764720000000);
