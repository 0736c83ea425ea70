-- PostgreSQL translation of migrations/004_webhooks.sql (same tables, columns, keys and indexes).
-- Outbound webhooks to tenants (SPEC §8): endpoints, one delivery per (event occurrence, endpoint), and every attempt.
-- Instants are RFC 3339 UTC text with milliseconds, like the notifications table.

CREATE TABLE webhook_endpoints (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url               TEXT NOT NULL,
    description       TEXT,
    event_types_json  TEXT NOT NULL,            -- JSON array of subscribed event types (patterns like "invoice.*" allowed)
    secret            TEXT NOT NULL,            -- "whsec_<base64 key>"; kept because every delivery is signed with it
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints(tenant_id, created_at);

CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY,         -- UUIDv7
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    endpoint_id       TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    message_id        TEXT NOT NULL UNIQUE,     -- the webhook-id header: stable across retries
    event_type        TEXT NOT NULL,
    notification_id   TEXT,                     -- the occurrence that produced it (NULL for test events)
    payload           TEXT NOT NULL,            -- the exact body, so every retry sends (and signs) the same bytes
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   TEXT,                     -- when pending: due time, or the end of a sender's claim
    last_status_code  BIGINT,
    last_error        TEXT,
    delivered_at      TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (endpoint_id, notification_id)       -- one logical event per occurrence and endpoint
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_tenant ON webhook_deliveries(tenant_id, created_at);

CREATE TABLE webhook_attempts (
    id                TEXT PRIMARY KEY,
    delivery_id       TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt           BIGINT NOT NULL,
    attempted_at      TEXT NOT NULL,
    status_code       BIGINT,                   -- NULL when no HTTP response came back
    latency_ms        BIGINT NOT NULL,
    error             TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id, attempt);

-- The e-mail sender claims due pending notifications by status and time.
CREATE INDEX notifications_pending ON notifications(status, next_attempt_at) WHERE status = 'pending';
