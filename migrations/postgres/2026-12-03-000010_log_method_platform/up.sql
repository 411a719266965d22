-- Beyond uni-id's uni-id-log (spec §12.4), for the console's dashboard (issue 9): what a row came
-- through (the uni-id-co method, or the page's path) and the client's uniPlatform. Both are
-- left out of a uni-id export.
ALTER TABLE uni_id_log ADD COLUMN method TEXT;
ALTER TABLE uni_id_log ADD COLUMN platform TEXT;
-- Covering: the dashboard counts a month of sign-ins from the index alone.
CREATE INDEX uni_id_log_type_date ON uni_id_log (type, state, create_date, method, platform);
