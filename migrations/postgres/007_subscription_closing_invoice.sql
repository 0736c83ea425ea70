-- PostgreSQL translation of migrations/007_subscription_closing_invoice.sql (same tables, columns, keys and indexes).
-- A subscription cancelled immediately still owes what it used of its last period: usage beyond the
-- included amounts and pending proration lines. `closing_due_at` (the cancellation time) marks it for
-- generate_invoices, which bills it once USAGE_LATE_WINDOW has passed and clears the mark in the
-- same transaction.
ALTER TABLE subscriptions ADD COLUMN closing_due_at TEXT;
CREATE INDEX subscriptions_closing_due ON subscriptions(closing_due_at) WHERE closing_due_at IS NOT NULL;
