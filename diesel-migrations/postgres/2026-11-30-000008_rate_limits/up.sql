-- Rate limits counted in the database, so that every replica agrees: one row per
-- bucket (e.g. sign-in attempts of one account or one client address) and window.
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL
);
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);
