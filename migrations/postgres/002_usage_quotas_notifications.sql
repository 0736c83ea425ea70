-- PostgreSQL translation of migrations/002_usage_quotas_notifications.sql (same tables, columns, keys and indexes).
-- Usage events, their rollups, quotas, and notifications (the table and its insert path).
-- Event times are Unix milliseconds (BIGINT) so period arithmetic and range scans are integer compares.

CREATE TABLE usage_logs (
    id               TEXT PRIMARY KEY,          -- UUIDv7: time-ordered, so inserts append
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    resource_type    TEXT NOT NULL CHECK (resource_type IN ('message', 'completion', 'file_upload', 'file_storage',
                                                            'vector_query', 'tool_call', 'embedding', 'api_call')),
    quantity         BIGINT NOT NULL CHECK (quantity >= 1 AND quantity <= 1000000000000),
    resource_id      TEXT,
    metadata_json    TEXT,
    idempotency_key  TEXT,
    occurred_at      BIGINT NOT NULL,           -- Unix ms
    created_at       BIGINT NOT NULL            -- Unix ms
);
-- The two indexes the queries need: range scans per tenant, and idempotency.
CREATE INDEX usage_logs_by_tenant_time ON usage_logs(tenant_id, occurred_at);
CREATE UNIQUE INDEX usage_logs_idempotency ON usage_logs(tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Counters per calendar bucket (in BILLING_TIMEZONE), maintained in the ingesting transaction.
-- period_start is the bucket's start as Unix seconds; 0 for 'total'.
CREATE TABLE tenant_usage (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    resource_type   TEXT NOT NULL CHECK (resource_type IN ('message', 'completion', 'file_upload', 'file_storage',
                                                           'vector_query', 'tool_call', 'embedding', 'api_call')),
    period_type     TEXT NOT NULL CHECK (period_type IN ('hourly', 'daily', 'monthly', 'total')),
    period_start    BIGINT NOT NULL,
    event_count     BIGINT NOT NULL DEFAULT 0,
    total_quantity  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, resource_type, period_type, period_start)
);

CREATE TABLE quotas (
    id                      TEXT PRIMARY KEY,
    tenant_id               TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    resource_type           TEXT NOT NULL CHECK (resource_type IN ('message', 'completion', 'file_upload', 'file_storage',
                                                                   'vector_query', 'tool_call', 'embedding', 'api_call')),
    limit_value             BIGINT NOT NULL CHECK (limit_value > 0),
    period                  TEXT NOT NULL CHECK (period IN ('hourly', 'daily', 'monthly', 'total')),
    is_hard_limit           BIGINT NOT NULL DEFAULT 0 CHECK (is_hard_limit IN (0, 1)),
    notification_threshold  BIGINT CHECK (notification_threshold BETWEEN 1 AND 100),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (tenant_id, resource_type, period)
);

CREATE TABLE notifications (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    type             TEXT NOT NULL CHECK (type IN ('quota_warning', 'quota_exceeded', 'payment_failed', 'payment_success',
                                                   'subscription_expiring', 'subscription_expired', 'trial_ending',
                                                   'invoice_due', 'invoice_created')),
    priority         TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'read')),
    subject          TEXT NOT NULL,
    message          TEXT NOT NULL,
    metadata_json    TEXT,
    dedupe_key       TEXT,                      -- one notification per occasion (e.g. quota + period)
    read_at          TEXT,
    sent_at          TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX notifications_dedupe ON notifications(tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX notifications_by_tenant_time ON notifications(tenant_id, created_at);
