-- The console overview's figures for periods that are over, counted once (issue 9). A render
-- reads a month of days and today's hours from here and counts only the last hour or so from
-- the log, instead of a month of uni_id_log and users rows each time.
CREATE TABLE period_counts (
    -- 'sign-in' (uni_id_log rows of type login) or 'register' (users by register_date).
    series TEXT NOT NULL,
    -- The period's length (a day or an hour) and its start, ms since the epoch (UTC).
    period BIGINT NOT NULL,
    start BIGINT NOT NULL,
    -- Sign-ins: 1 signed in, 0 failed. Registrations: 1.
    state INTEGER NOT NULL,
    -- The method or page path, and the uniPlatform ('' when not recorded).
    method TEXT NOT NULL,
    platform TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (series, period, start, state, method, platform)
);
-- The periods already counted, those without a single row included. A bulk write into the
-- past (`unid admin seed`, an import) deletes the rows of the periods it touches.
CREATE TABLE period_counted (
    series TEXT NOT NULL,
    period BIGINT NOT NULL,
    start BIGINT NOT NULL,
    PRIMARY KEY (series, period, start)
);
