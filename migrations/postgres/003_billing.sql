-- PostgreSQL translation of migrations/003_billing.sql (same tables, columns, keys and indexes).
-- Plans, subscriptions, invoices (gapless numbers per year), pending proration lines,
-- payment methods (sealed gateway tokens) and the record of background job runs.
-- Money is integer minor units (cents); unit prices are integer micro-units (1,000,000 = one unit).

-- The catalog: one row per plan type. Prices per billing cycle; a NULL cycle price means "not offered".
-- included_json: [{"resource_type","period","limit_value","is_hard_limit"}] (applied as quotas on subscribe);
-- overage_json: {"<resource_type>": <unit price in micro-units>} charged beyond the included monthly amount.
CREATE TABLE plans (
    plan_type              TEXT PRIMARY KEY CHECK (plan_type IN ('free', 'starter', 'professional', 'enterprise', 'custom')),
    name                   TEXT NOT NULL,
    description            TEXT,
    currency               TEXT NOT NULL DEFAULT 'BRL' CHECK (length(currency) = 3 AND currency = upper(currency)),
    price_monthly_cents    BIGINT CHECK (price_monthly_cents >= 0),
    price_quarterly_cents  BIGINT CHECK (price_quarterly_cents >= 0),
    price_yearly_cents     BIGINT CHECK (price_yearly_cents >= 0),
    price_lifetime_cents   BIGINT CHECK (price_lifetime_cents >= 0),
    included_json          TEXT NOT NULL DEFAULT '[]',
    overage_json           TEXT NOT NULL DEFAULT '{}',
    is_active              BIGINT NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);

INSERT INTO plans (plan_type, name, description, currency, price_monthly_cents, price_quarterly_cents, price_yearly_cents,
                   price_lifetime_cents, included_json, overage_json, created_at, updated_at) VALUES
('free', 'Free', 'Try it out: small hard limits, no overage.', 'BRL', 0, 0, 0, NULL,
 '[{"resource_type":"message","period":"monthly","limit_value":1000,"is_hard_limit":true},{"resource_type":"completion","period":"monthly","limit_value":500,"is_hard_limit":true},{"resource_type":"api_call","period":"daily","limit_value":1000,"is_hard_limit":true}]',
 '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
('starter', 'Starter', 'For small teams.', 'BRL', 4900, 13900, 49900, NULL,
 '[{"resource_type":"message","period":"monthly","limit_value":10000,"is_hard_limit":false},{"resource_type":"completion","period":"monthly","limit_value":5000,"is_hard_limit":false},{"resource_type":"file_upload","period":"monthly","limit_value":100,"is_hard_limit":false}]',
 '{"message":10000,"completion":20000,"file_upload":50000}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
('professional', 'Professional', 'For growing products.', 'BRL', 19900, 56900, 199000, NULL,
 '[{"resource_type":"message","period":"monthly","limit_value":100000,"is_hard_limit":false},{"resource_type":"completion","period":"monthly","limit_value":50000,"is_hard_limit":false},{"resource_type":"file_upload","period":"monthly","limit_value":1000,"is_hard_limit":false},{"resource_type":"vector_query","period":"monthly","limit_value":50000,"is_hard_limit":false}]',
 '{"message":5000,"completion":15000,"file_upload":30000,"vector_query":2000}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
('enterprise', 'Enterprise', 'High volume with negotiated support.', 'BRL', 99900, 284900, 999000, NULL,
 '[{"resource_type":"message","period":"monthly","limit_value":1000000,"is_hard_limit":false},{"resource_type":"completion","period":"monthly","limit_value":500000,"is_hard_limit":false},{"resource_type":"vector_query","period":"monthly","limit_value":1000000,"is_hard_limit":false}]',
 '{"message":2500,"completion":8000,"vector_query":1000}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
('custom', 'Custom', 'Priced per contract: set price_cents on the subscription.', 'BRL', NULL, NULL, NULL, NULL,
 '[]', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

-- History of subscriptions; at most one live (not cancelled/expired) per tenant.
-- Periods are anchored: boundary k = anchor_at + k × cycle months (day of month kept, clamped),
-- current period = [boundary cycle_index, boundary cycle_index + 1). During a trial the current
-- period is [trial start, trial_ends_at) and the anchor moves to trial_ends_at when it ends.
CREATE TABLE subscriptions (
    id                        TEXT PRIMARY KEY,
    tenant_id                 TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    plan_type                 TEXT NOT NULL CHECK (plan_type IN ('free', 'starter', 'professional', 'enterprise', 'custom')),
    billing_cycle             TEXT NOT NULL CHECK (billing_cycle IN ('monthly', 'quarterly', 'yearly', 'lifetime')),
    status                    TEXT NOT NULL CHECK (status IN ('trial', 'active', 'past_due', 'suspended', 'cancelled', 'expired')),
    price_cents               BIGINT NOT NULL CHECK (price_cents >= 0),
    currency                  TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    anchor_at                 TEXT NOT NULL,
    cycle_index               BIGINT NOT NULL DEFAULT 0 CHECK (cycle_index >= 0),
    current_period_start      TEXT NOT NULL,
    current_period_end        TEXT,                    -- NULL: lifetime
    trial_ends_at             TEXT,
    period_billed             BIGINT NOT NULL DEFAULT 0 CHECK (period_billed IN (0, 1)),   -- the current period's price was invoiced
    cancel_at_period_end      BIGINT NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
    cancelled_at              TEXT,
    ended_at                  TEXT,
    external_subscription_id  TEXT,
    metadata_json             TEXT,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    CHECK (status <> 'trial' OR trial_ends_at IS NOT NULL)
);
CREATE UNIQUE INDEX subscriptions_one_live ON subscriptions(tenant_id) WHERE status NOT IN ('cancelled', 'expired');
CREATE INDEX subscriptions_by_tenant ON subscriptions(tenant_id, created_at);
-- The billing job's scan: live subscriptions whose period has ended.
CREATE INDEX subscriptions_due ON subscriptions(current_period_end) WHERE status IN ('trial', 'active', 'past_due');

-- Gapless invoice numbers: one counter row per year, bumped inside the creating transaction
-- (the single writer serializes creations; a rolled-back creation rolls its bump back too).
-- SQLite's INTEGER PRIMARY KEY (a rowid alias) becomes an identity column; the application always supplies the year.
CREATE TABLE invoice_number_counters (
    year         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    last_number  BIGINT NOT NULL CHECK (last_number >= 1)
);

CREATE TABLE invoices (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    subscription_id       TEXT REFERENCES subscriptions(id) ON DELETE SET NULL,
    invoice_number        TEXT NOT NULL UNIQUE,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'paid', 'overdue', 'cancelled', 'refunded')),
    currency              TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    amount_cents          BIGINT NOT NULL CHECK (amount_cents >= 0),
    line_items_json       TEXT NOT NULL DEFAULT '[]',
    period_start          TEXT,                        -- set on subscription invoices: the period whose base price it bills
    period_end            TEXT,
    due_date              TEXT NOT NULL CHECK (due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),  -- SQLite: GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
    issued_at             TEXT NOT NULL,
    paid_at               TEXT,
    billing_details_json  TEXT,
    notes                 TEXT,
    payment_method        TEXT,
    external_payment_id   TEXT,
    external_invoice_url  TEXT,
    payment_attempts      BIGINT NOT NULL DEFAULT 0 CHECK (payment_attempts >= 0),
    last_payment_error    TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
-- Exactly once per subscription period: a rerun or a concurrent run of generate_invoices cannot bill twice.
CREATE UNIQUE INDEX invoices_one_per_period ON invoices(subscription_id, period_start) WHERE period_start IS NOT NULL;
CREATE INDEX invoices_by_tenant ON invoices(tenant_id, created_at);
CREATE INDEX invoices_open_by_due ON invoices(due_date) WHERE status IN ('pending', 'overdue');

-- Proration credits/charges from mid-period plan or price changes, waiting for the next invoice.
CREATE TABLE pending_invoice_lines (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    subscription_id  TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    description      TEXT NOT NULL,
    amount_cents     BIGINT NOT NULL,              -- negative for credits
    created_at       TEXT NOT NULL,
    invoice_id       TEXT REFERENCES invoices(id) ON DELETE SET NULL
);
CREATE INDEX pending_invoice_lines_open ON pending_invoice_lines(subscription_id) WHERE invoice_id IS NULL;

-- Only the gateway token (sealed with AES-256-GCM under PAYMENT_DATA_KEY) and display facts of a card.
CREATE TABLE payment_methods (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    type          TEXT NOT NULL CHECK (type IN ('credit_card', 'boleto', 'pix', 'bank_transfer', 'other')),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
    is_default    BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    token_sealed  TEXT,
    card_brand    TEXT,
    card_last4    TEXT CHECK (card_last4 IS NULL OR card_last4 ~ '^[0-9]{4}$'),  -- SQLite: GLOB '[0-9][0-9][0-9][0-9]'
    exp_month     BIGINT CHECK (exp_month IS NULL OR exp_month BETWEEN 1 AND 12),
    exp_year      BIGINT CHECK (exp_year IS NULL OR exp_year BETWEEN 2000 AND 2200),
    holder_name   TEXT,
    label         TEXT,
    metadata_json TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT,
    CHECK (is_default = 0 OR status = 'active')
);
CREATE INDEX payment_methods_by_tenant ON payment_methods(tenant_id, created_at);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods(tenant_id) WHERE is_default = 1;

-- Every run of a background job (scheduler, CLI or run_job), with its outcome and counts.
-- The job CHECK is named so that 006 can replace it.
CREATE TABLE job_runs (
    id           TEXT PRIMARY KEY,
    job          TEXT NOT NULL CONSTRAINT job_runs_job_check CHECK (job IN ('check_quotas', 'generate_invoices', 'mark_overdue', 'retry_payments',
                                              'subscription_notices', 'send_notifications')),
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('scheduler', 'cli', 'api')),
    as_of        TEXT NOT NULL,                 -- the "now" the job ran for (--now)
    dry_run      BIGINT NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('ok', 'partial', 'failed', 'skipped')),
    message      TEXT,
    counts_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX job_runs_by_job ON job_runs(job, started_at);
