-- PostgreSQL translation of migrations/005_gateway_events.sql (same tables, columns, keys and indexes).
-- Asaas webhook events (SPEC §9): stored first, unique by Asaas's event id (a redelivery is acknowledged
-- and ignored), then applied to the matching invoice. An event left 'received' by a crash between the two
-- steps is applied at the next startup. Instants are RFC 3339 UTC text with milliseconds.
CREATE TABLE gateway_events (
    id                  TEXT PRIMARY KEY,                 -- UUIDv7 (arrival order)
    provider            TEXT NOT NULL DEFAULT 'asaas',
    event_id            TEXT NOT NULL UNIQUE,             -- the gateway's event id: the deduplication key
    event_type          TEXT NOT NULL,                    -- PAYMENT_RECEIVED, PAYMENT_OVERDUE, ...
    payment_id          TEXT,                             -- payment.id of the event, if any
    external_reference  TEXT,                             -- payment.externalReference (our invoice id), if any
    payment_status      TEXT,
    status              TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'applied', 'ignored', 'error')),
    result              TEXT,                             -- what applying did, or why it was ignored
    error               TEXT,                             -- when status = 'error'
    tenant_id           TEXT REFERENCES tenants(id) ON DELETE SET NULL,   -- of the matched invoice
    invoice_id          TEXT REFERENCES invoices(id) ON DELETE SET NULL,
    payload             TEXT NOT NULL,                    -- the body as received
    redeliveries        BIGINT NOT NULL DEFAULT 0,        -- later copies of the same event, acknowledged and ignored
    received_at         TEXT NOT NULL,
    processed_at        TEXT
);
CREATE INDEX gateway_events_by_received ON gateway_events(received_at);
CREATE INDEX gateway_events_unapplied ON gateway_events(received_at) WHERE status = 'received';
CREATE INDEX gateway_events_by_invoice ON gateway_events(invoice_id) WHERE invoice_id IS NOT NULL;

-- Webhooks and retries find an invoice by the gateway's payment id.
CREATE INDEX invoices_by_external_payment ON invoices(external_payment_id) WHERE external_payment_id IS NOT NULL;
-- Cents refunded through the gateway (a partial refund keeps the invoice paid).
ALTER TABLE invoices ADD COLUMN refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0);
