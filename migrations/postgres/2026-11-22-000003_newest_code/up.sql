-- Only the newest code for a target and scene can be used (an older one is unreachable once a
-- newer one exists), so lookups go by (kind, target, scene) newest id first.
DROP INDEX verify_codes_target;
CREATE INDEX verify_codes_newest ON verify_codes (kind, target, scene, id);
