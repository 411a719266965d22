DROP TABLE user_realname;
DROP TABLE frv_logs;
DROP TABLE request_nonces;
DROP TABLE opendb_devices;
DROP INDEX devices_user;
DROP INDEX devices_device;
CREATE UNIQUE INDEX devices_device_user ON devices (device_id, user_id);
