-- Third-party identities (issue 10): a user's WeChat, QQ, Alipay, Apple (or another plugin's
-- provider) ids, one row each. uni-id keeps them on the user document (`wx_openid.mp`,
-- `wx_openid.app___UNI_X`, `wx_unionid`, `apple_openid`, …); `platform` is the key inside
-- such an object ('' for a single-valued field), so the document shape can be rebuilt.
-- Uniqueness within an app is the user_identities ledger's (kind `<provider>:<kind>:<platform>`),
-- so two concurrent first logins with one WeChat account make one user.
CREATE TABLE user_third_party (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    -- 'openid' or 'unionid'.
    kind TEXT NOT NULL,
    platform TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, provider, kind, platform)
);
CREATE INDEX user_third_party_value ON user_third_party (provider, kind, platform, value);

-- Credentials a provider hands out and a later call needs (uni-open-bridge's opendb-open-data,
-- spec §11.1): session keys, user access tokens, the app's access token. Shared by every
-- instance; `expired` in ms, -1 for never.
CREATE TABLE credential_cache (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    expired BIGINT NOT NULL
);
CREATE INDEX credential_cache_expired ON credential_cache (expired);
