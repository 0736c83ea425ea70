-- The deliver_webhooks job (004) was missing from job_runs' CHECK, so its runs could not be recorded.
-- SQLite cannot change a CHECK in place: rebuild the table with the full list and copy the rows.

CREATE TABLE job_runs_new (
    id           TEXT PRIMARY KEY,
    job          TEXT NOT NULL CHECK (job IN ('check_quotas', 'generate_invoices', 'mark_overdue', 'retry_payments',
                                              'subscription_notices', 'send_notifications', 'deliver_webhooks')),
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('scheduler', 'cli', 'api')),
    as_of        TEXT NOT NULL,
    dry_run      INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('ok', 'partial', 'failed', 'skipped')),
    message      TEXT,
    counts_json  TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO job_runs_new SELECT id, job, triggered_by, as_of, dry_run, started_at, finished_at, outcome, message, counts_json FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_new RENAME TO job_runs;
CREATE INDEX job_runs_by_job ON job_runs(job, started_at);
