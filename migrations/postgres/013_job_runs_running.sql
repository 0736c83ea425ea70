-- PostgreSQL translation of migrations/013_job_runs_running.sql (same end schema; changed in place).
ALTER TABLE job_runs ALTER COLUMN finished_at DROP NOT NULL;
ALTER TABLE job_runs DROP CONSTRAINT job_runs_outcome_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_outcome_check
    CHECK (outcome IN ('running', 'ok', 'partial', 'failed', 'skipped', 'interrupted'));
ALTER TABLE job_runs ADD COLUMN instance_id TEXT;
ALTER TABLE job_runs ADD COLUMN heartbeat_at TEXT;
CREATE INDEX job_runs_running ON job_runs(heartbeat_at) WHERE outcome = 'running';
