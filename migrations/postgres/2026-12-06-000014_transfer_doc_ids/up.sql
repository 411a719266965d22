-- `unid import` / `unid export` (issue 11): the `_id` a uni-id document had, for the
-- collections whose unid table is keyed otherwise (roles by role_id, the login log and devices
-- by a serial number, opendb-device by device_id), so an export writes the same `_id` back and a
-- second import recognises what the first one wrote. NULL for rows made by unid itself (an
-- export derives a stable id for them). uni-id-device's fields beyond the columns
-- (ua, uuid, os_name, imei, oaid…) go in `devices.extra` as a JSON object.
ALTER TABLE roles ADD COLUMN doc_id TEXT;
ALTER TABLE permissions ADD COLUMN doc_id TEXT;
ALTER TABLE user_tags ADD COLUMN doc_id TEXT;
ALTER TABLE uni_id_log ADD COLUMN doc_id TEXT;
ALTER TABLE devices ADD COLUMN doc_id TEXT;
ALTER TABLE devices ADD COLUMN extra TEXT;
ALTER TABLE opendb_devices ADD COLUMN doc_id TEXT;
CREATE UNIQUE INDEX roles_doc_id ON roles (doc_id);
CREATE UNIQUE INDEX permissions_doc_id ON permissions (doc_id);
CREATE UNIQUE INDEX user_tags_doc_id ON user_tags (doc_id);
CREATE UNIQUE INDEX uni_id_log_doc_id ON uni_id_log (doc_id);
CREATE UNIQUE INDEX devices_doc_id ON devices (doc_id);
CREATE UNIQUE INDEX opendb_devices_doc_id ON opendb_devices (doc_id);

-- Who holds an identifier, in any app: an import checks a batch's identifiers against the
-- ledger in one query, and the primary key (app_id, kind, value) cannot answer "by value".
CREATE INDEX user_identities_value ON user_identities (value);
