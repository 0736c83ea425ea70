-- The order pending invoice lines were added in (a proration's credit before its charge), which SQLite's rowid
-- gave and PostgreSQL has no equivalent of. Counted per subscription: the next line gets max + 1, under the
-- subscription's row lock (or SQLite's single writer).
ALTER TABLE pending_invoice_lines ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE pending_invoice_lines SET position = rowid;
