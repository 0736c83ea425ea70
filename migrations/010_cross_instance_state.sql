-- State that must hold across processes on one database (SQLite CLI runs beside the server, or N instances on
-- PostgreSQL): a gateway operation in progress on an invoice, and login attempts.

-- A charge, card payment or refund in progress holds the invoice's lease; a second one meanwhile gets 409.
ALTER TABLE invoices ADD COLUMN charge_lease_owner TEXT;
ALTER TABLE invoices ADD COLUMN charge_lease_until TEXT;

-- Login attempts per key (client address, e-mail) in the current window.
CREATE TABLE login_attempts (
    key           TEXT PRIMARY KEY,
    window_start  TEXT NOT NULL,
    attempts      INTEGER NOT NULL CHECK (attempts >= 0)
);
CREATE INDEX login_attempts_by_window ON login_attempts(window_start);
