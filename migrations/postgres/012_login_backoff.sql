-- PostgreSQL translation of migrations/012_login_backoff.sql (same end schema).
-- Failed logins per (e-mail, client address): after LOGIN_RATE_LIMIT_PER_MINUTE failures that pair waits 2 s, then
-- 4 s, 8 s, … up to 15 minutes between attempts; a success clears it. Replaces the per-e-mail window, with which
-- anyone could lock a user out by guessing from anywhere (security round item 4). Keys are SHA-256 of the pair.
CREATE TABLE login_failures (
    key            TEXT PRIMARY KEY,
    failures       BIGINT NOT NULL CHECK (failures >= 0),
    blocked_until  TEXT,
    updated_at     TEXT NOT NULL
);
CREATE INDEX login_failures_by_updated ON login_failures(updated_at);
