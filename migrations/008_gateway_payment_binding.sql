-- A gateway payment id belongs to exactly one invoice (security round, item 1).
--
-- Until now a tenant admin could copy another tenant's Asaas payment id onto its own invoice through
-- update_invoice, and the webhook matcher took the first invoice carrying it. An id held by several
-- invoices cannot be attributed here, so all of them lose it: the charge paths adopt the right charge
-- again by its externalReference (= invoice id), and webhooks fall back to that reference too.
UPDATE invoices SET external_payment_id = NULL
 WHERE external_payment_id IN (SELECT external_payment_id FROM invoices WHERE external_payment_id IS NOT NULL
                                GROUP BY external_payment_id HAVING count(*) > 1);
DROP INDEX invoices_by_external_payment;
CREATE UNIQUE INDEX invoices_external_payment_unique ON invoices(external_payment_id) WHERE external_payment_id IS NOT NULL;

-- Events whose payment does not match its invoice (customer, externalReference, value) are kept as
-- `held`: stored, not applied, for an operator to look at. The value and customer of the payment are
-- kept beside the payload so that check needs no JSON at apply time. SQLite cannot change a CHECK
-- constraint in place: the table is rebuilt with the same rows.
CREATE TABLE gateway_events_new (
    id                  TEXT PRIMARY KEY,
    provider            TEXT NOT NULL DEFAULT 'asaas',
    event_id            TEXT NOT NULL UNIQUE,
    event_type          TEXT NOT NULL,
    payment_id          TEXT,
    external_reference  TEXT,
    payment_status      TEXT,
    status              TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'applied', 'ignored', 'held', 'error')),
    result              TEXT,
    error               TEXT,
    tenant_id           TEXT REFERENCES tenants(id) ON DELETE SET NULL,
    invoice_id          TEXT REFERENCES invoices(id) ON DELETE SET NULL,
    payload             TEXT NOT NULL,
    redeliveries        INTEGER NOT NULL DEFAULT 0,
    received_at         TEXT NOT NULL,
    processed_at        TEXT,
    payment_customer_id TEXT,                             -- payment.customer of the event, if any
    payment_value_cents INTEGER                           -- payment.value of the event in cents, if any
);
INSERT INTO gateway_events_new (id, provider, event_id, event_type, payment_id, external_reference, payment_status, status, result,
                                error, tenant_id, invoice_id, payload, redeliveries, received_at, processed_at)
SELECT id, provider, event_id, event_type, payment_id, external_reference, payment_status, status, result,
       error, tenant_id, invoice_id, payload, redeliveries, received_at, processed_at FROM gateway_events;
DROP TABLE gateway_events;
ALTER TABLE gateway_events_new RENAME TO gateway_events;
CREATE INDEX gateway_events_by_received ON gateway_events(received_at);
CREATE INDEX gateway_events_unapplied ON gateway_events(received_at) WHERE status = 'received';
CREATE INDEX gateway_events_by_invoice ON gateway_events(invoice_id) WHERE invoice_id IS NOT NULL;

-- What needs an operator: a gateway event that does not match its invoice, a charge that does not
-- belong to the invoice that names it. Not a tenant notification: the tenant concerned may be the one
-- that caused it. One alert per occasion (dedupe_key).
CREATE TABLE operator_alerts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,                         -- gateway_event_held, gateway_charge_mismatch
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
