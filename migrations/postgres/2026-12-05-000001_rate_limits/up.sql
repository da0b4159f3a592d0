-- Rate-limit counters shared by every replica: one row per (limit, caller), counting the
-- requests of the current one-minute window (`window_start`: minutes since the epoch).
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL
);
