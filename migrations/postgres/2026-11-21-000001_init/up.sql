-- unid schema v1. Timestamps are epoch milliseconds (BIGINT); token iat/exp are seconds.
-- JSON-valued uni-id fields (avatar_file, register_env, inviter_uid, tags, extra) are TEXT.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT,
    password TEXT,
    password_secret_version BIGINT,
    nickname TEXT,
    gender INTEGER,
    avatar TEXT,
    avatar_file TEXT,
    mobile TEXT,
    mobile_confirmed INTEGER NOT NULL DEFAULT 0,
    email TEXT,
    email_confirmed INTEGER NOT NULL DEFAULT 0,
    status INTEGER NOT NULL DEFAULT 0,
    my_invite_code TEXT,
    inviter_uid TEXT,
    invite_time BIGINT,
    register_date BIGINT,
    register_env TEXT,
    last_login_date BIGINT,
    last_login_ip TEXT,
    valid_token_date BIGINT,
    tags TEXT,
    extra TEXT
);
CREATE INDEX users_username ON users (username);
CREATE INDEX users_mobile ON users (mobile);
CREATE INDEX users_email ON users (email);
CREATE UNIQUE INDEX users_my_invite_code ON users (my_invite_code);

-- dcloud_appid: the apps a user may log into; '*' = every app (spec §1.2).
CREATE TABLE user_apps (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    PRIMARY KEY (user_id, app_id)
);

-- The uniqueness ledger: one row per (app, identifier). The primary key is what makes two
-- concurrent registrations of the same username / mobile / email in one app impossible.
CREATE TABLE user_identities (
    app_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, kind, value)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE roles (
    role_id TEXT PRIMARY KEY NOT NULL,
    role_name TEXT NOT NULL,
    comment TEXT,
    create_date BIGINT NOT NULL
);

CREATE TABLE permissions (
    permission_id TEXT PRIMARY KEY NOT NULL,
    permission_name TEXT NOT NULL,
    comment TEXT,
    create_date BIGINT NOT NULL
);

CREATE TABLE role_permissions (
    role_id TEXT NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    permission_id TEXT NOT NULL REFERENCES permissions (permission_id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);

-- Not a foreign key to roles: uni-id lets a user carry a role id that has no roles row.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

-- Live tokens. A token whose row is gone is revoked, on every instance, at its next use.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    iat BIGINT NOT NULL,
    exp BIGINT NOT NULL,
    created_date BIGINT NOT NULL,
    app_id TEXT,
    platform TEXT,
    device_id TEXT
);
CREATE INDEX tokens_user ON tokens (user_id, iat);

CREATE TABLE uni_id_log (
    id BIGSERIAL PRIMARY KEY,
    appid TEXT,
    device_id TEXT,
    ip TEXT,
    type TEXT NOT NULL,
    ua TEXT,
    create_date BIGINT NOT NULL,
    state INTEGER NOT NULL,
    user_id TEXT,
    username TEXT,
    email TEXT,
    mobile TEXT
);
CREATE INDEX uni_id_log_ip ON uni_id_log (ip, type, create_date);
CREATE INDEX uni_id_log_user ON uni_id_log (user_id);
CREATE INDEX uni_id_log_username ON uni_id_log (username);
CREATE INDEX uni_id_log_mobile ON uni_id_log (mobile);
CREATE INDEX uni_id_log_email ON uni_id_log (email);
CREATE INDEX uni_id_log_date ON uni_id_log (create_date);

-- Captchas and verification codes, stored as keyed hashes. state: 0 pending, 1 used, 2 void.
CREATE TABLE verify_codes (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    scene TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    ip TEXT,
    created_date BIGINT NOT NULL,
    expired_date BIGINT NOT NULL
);
CREATE INDEX verify_codes_target ON verify_codes (kind, target, scene, state);
CREATE INDEX verify_codes_expired ON verify_codes (expired_date);

-- Shared counters for throttling: several instances on one database count together.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY NOT NULL,
    hits BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    last_hit BIGINT NOT NULL
);
CREATE INDEX throttles_last_hit ON throttles (last_hit);

-- uni-id-device (spec §12.5).
CREATE TABLE devices (
    id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    appid TEXT,
    push_clientid TEXT,
    token_expired BIGINT NOT NULL DEFAULT 0,
    create_date BIGINT NOT NULL,
    last_active_date BIGINT,
    last_active_ip TEXT
);
CREATE UNIQUE INDEX devices_device_user ON devices (device_id, user_id);

INSERT INTO roles (role_id, role_name, comment, create_date)
VALUES ('admin', '超级管理员', '超级管理员拥有所有权限', 0);
