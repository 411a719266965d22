CREATE INDEX user_identities_value ON user_identities (value);
ALTER TABLE user_identities DROP CONSTRAINT user_identities_pkey;
ALTER TABLE user_identities ADD CONSTRAINT user_identities_pkey PRIMARY KEY (app_id, kind, value);
