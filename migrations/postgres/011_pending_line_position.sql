-- PostgreSQL translation of migrations/011_pending_line_position.sql (same end schema; no rows to number here:
-- a PostgreSQL database is new, or filled by copy-database, which copies the positions).
ALTER TABLE pending_invoice_lines ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
