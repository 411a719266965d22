DROP INDEX verify_codes_newest;
CREATE INDEX verify_codes_target ON verify_codes (kind, target, scene, state);
