-- The identifier ledger keyed by the identifier first. Its readers look a row up by all three
-- key columns (registration, sign-in: app, kind and value) or by value alone (an import
-- screening a batch), so with the value leading the primary key answers both, and the separate
-- value index of migration 000014 goes: one index insert fewer for each of the several rows
-- every user writes (each identifier in each app).
ALTER TABLE user_identities DROP CONSTRAINT user_identities_pkey;
ALTER TABLE user_identities ADD CONSTRAINT user_identities_pkey PRIMARY KEY (value, kind, app_id);
DROP INDEX user_identities_value;
