-- Issue 11: push devices, signed external calls, real-name verification.

-- uni-id-device (spec §12.5) holds one row per device: setPushCid moves a device to the user
-- who signs in on it. The database makes "more than one row for a device" impossible.
DROP INDEX devices_device_user;
CREATE UNIQUE INDEX devices_device ON devices (device_id);
CREATE INDEX devices_user ON devices (user_id);

-- opendb-device (spec §12.6): what the client said about the device at its last setPushCid.
-- The columns the console shows; the rest of uni-id's fields (os_language, os_theme,
-- pixel_ratio, window/screen sizes, rom_name/rom_version) are kept in `extra` as JSON.
CREATE TABLE opendb_devices (
    device_id TEXT PRIMARY KEY NOT NULL,
    appid TEXT,
    vendor TEXT,
    model TEXT,
    uni_platform TEXT,
    os_name TEXT,
    os_version TEXT,
    push_clientid TEXT,
    extra TEXT,
    create_date BIGINT NOT NULL,
    last_update_date BIGINT NOT NULL
);

-- Nonces of signed external calls (spec §14.2), kept until their timestamp window has passed,
-- so a captured request cannot be replayed on any instance.
CREATE TABLE request_nonces (
    nonce TEXT PRIMARY KEY NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX request_nonces_expires ON request_nonces (expires);

-- opendb-frv-logs (spec §12.9): one row per face-verification attempt. status: 0 none,
-- 1 pending, 2 passed, 3 failed. real_name and identity are encrypted.
CREATE TABLE frv_logs (
    id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL,
    certify_id TEXT NOT NULL,
    real_name TEXT NOT NULL,
    identity TEXT NOT NULL,
    status INTEGER NOT NULL,
    created_date BIGINT NOT NULL
);
CREATE UNIQUE INDEX frv_logs_certify ON frv_logs (certify_id);
CREATE INDEX frv_logs_user ON frv_logs (user_id, created_date);

-- Real-name status (spec §12.1 realname_auth), one row per account that began verification.
-- `identity` is the ID number encrypted deterministically, so "how many accounts passed with
-- this ID number" (idCardCertifyLimit) is an index look-up; `auth` is realname_auth as JSON.
CREATE TABLE user_realname (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_status INTEGER NOT NULL,
    identity TEXT,
    auth TEXT NOT NULL
);
CREATE INDEX user_realname_identity ON user_realname (identity, auth_status);
