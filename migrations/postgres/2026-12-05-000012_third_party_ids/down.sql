DROP TABLE credential_cache;
DROP TABLE user_third_party;
