-- A job run is recorded when it starts (`running`, with the instance that runs it and a heartbeat it renews), and
-- completed when it ends. A run whose process died keeps `running` until its heartbeat is older than a minute; then
-- the next job run or startup on any instance marks it `interrupted`, with the time and the instance (security
-- round item 7: killed runs used to be invisible). SQLite cannot relax NOT NULL or change a CHECK in place: the
-- table is rebuilt with the same rows.
CREATE TABLE job_runs_new (
    id           TEXT PRIMARY KEY,
    job          TEXT NOT NULL CHECK (job IN ('check_quotas', 'generate_invoices', 'mark_overdue', 'retry_payments',
                                              'subscription_notices', 'send_notifications', 'deliver_webhooks')),
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('scheduler', 'cli', 'api')),
    as_of        TEXT NOT NULL,
    dry_run      INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'partial', 'failed', 'skipped', 'interrupted')),
    message      TEXT,
    counts_json  TEXT NOT NULL DEFAULT '{}',
    instance_id  TEXT,
    heartbeat_at TEXT
);
INSERT INTO job_runs_new (id, job, triggered_by, as_of, dry_run, started_at, finished_at, outcome, message, counts_json)
SELECT id, job, triggered_by, as_of, dry_run, started_at, finished_at, outcome, message, counts_json FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_new RENAME TO job_runs;
CREATE INDEX job_runs_by_job ON job_runs(job, started_at);
CREATE INDEX job_runs_running ON job_runs(heartbeat_at) WHERE outcome = 'running';
