-- PostgreSQL translation of migrations/006_job_runs_deliver_webhooks.sql.
-- The deliver_webhooks job (004) was missing from job_runs' CHECK, so its runs could not be recorded.
-- SQLite rebuilds the table to change the CHECK; PostgreSQL replaces the constraint in place
-- (same columns, same rows, and job_runs_by_job stays).
ALTER TABLE job_runs
    DROP CONSTRAINT job_runs_job_check,
    ADD CONSTRAINT job_runs_job_check CHECK (job IN ('check_quotas', 'generate_invoices', 'mark_overdue', 'retry_payments',
                                                     'subscription_notices', 'send_notifications', 'deliver_webhooks'));
