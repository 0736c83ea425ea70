-- PostgreSQL translation of migrations/008_gateway_payment_binding.sql (same end schema).
-- A gateway payment id belongs to exactly one invoice; ids held by several invoices are taken from all of
-- them (the charge paths adopt the right charge again by its externalReference = invoice id).
UPDATE invoices SET external_payment_id = NULL
 WHERE external_payment_id IN (SELECT external_payment_id FROM invoices WHERE external_payment_id IS NOT NULL
                                GROUP BY external_payment_id HAVING count(*) > 1);
DROP INDEX invoices_by_external_payment;
CREATE UNIQUE INDEX invoices_external_payment_unique ON invoices(external_payment_id) WHERE external_payment_id IS NOT NULL;

-- Events whose payment does not match its invoice are kept as `held`; the payment's customer and value are
-- kept beside the payload. PostgreSQL changes the CHECK in place (SQLite rebuilds the table).
ALTER TABLE gateway_events DROP CONSTRAINT gateway_events_status_check;
ALTER TABLE gateway_events ADD CONSTRAINT gateway_events_status_check
    CHECK (status IN ('received', 'applied', 'ignored', 'held', 'error'));
ALTER TABLE gateway_events ADD COLUMN payment_customer_id TEXT;
ALTER TABLE gateway_events ADD COLUMN payment_value_cents BIGINT;

-- What needs an operator (never shown to tenants).
CREATE TABLE operator_alerts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    severity       TEXT NOT NULL DEFAULT 'high' CHECK (severity IN ('normal', 'high', 'urgent')),
    subject        TEXT NOT NULL,
    message        TEXT NOT NULL,
    tenant_id      TEXT REFERENCES tenants(id) ON DELETE SET NULL,
    invoice_id     TEXT REFERENCES invoices(id) ON DELETE SET NULL,
    metadata_json  TEXT,
    dedupe_key     TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    resolved_at    TEXT,
    resolved_by    TEXT,
    resolution     TEXT
);
CREATE INDEX operator_alerts_open ON operator_alerts(created_at) WHERE resolved_at IS NULL;
