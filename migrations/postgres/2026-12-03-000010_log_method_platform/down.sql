DROP INDEX uni_id_log_type_date;
ALTER TABLE uni_id_log DROP COLUMN platform;
ALTER TABLE uni_id_log DROP COLUMN method;
