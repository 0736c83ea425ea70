-- PostgreSQL translation of migrations/001_tenants_and_auth.sql (same tables, columns, keys and indexes).
-- Tenants, dashboard users and their sessions, API keys, and the audit trail.
-- Timestamps are RFC 3339 UTC text with milliseconds (sortable); ids are UUID text.

CREATE TABLE tenants (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    slug              TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'inactive')),
    plan              TEXT,
    billing_email     TEXT,
    settings_json     TEXT,
    asaas_customer_id TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- SQLite declares email UNIQUE COLLATE NOCASE. Here: a plain UNIQUE (serves `WHERE email = ?` and
-- ORDER BY email) plus a unique index on lower(email), which rejects addresses differing only in case
-- as NOCASE did. The application lowercases every e-mail before storing or looking it up.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('viewer', 'admin', 'super-admin')),
    tenant_id      TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    last_login_at  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK (role = 'super-admin' OR tenant_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_nocase ON users(lower(email));
CREATE INDEX users_by_tenant ON users(tenant_id);

-- The session token itself is never stored: only its SHA-256.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    client_ip    TEXT
);
CREATE INDEX sessions_by_user ON sessions(user_id);

-- The key itself is never stored: only its SHA-256 and a short display prefix.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'admin', 'super-admin')),
    tenant_id     TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    created_by    TEXT,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked_at    TEXT,
    CHECK (role = 'super-admin' OR tenant_id IS NOT NULL)
);
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id);

-- No foreign key to tenants: the trail of a deleted tenant stays readable by super-admins.
CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    occurred_at   TEXT NOT NULL,
    actor_type    TEXT NOT NULL CHECK (actor_type IN ('api_key', 'user', 'system')),
    actor_id      TEXT NOT NULL,
    actor_role    TEXT NOT NULL CHECK (actor_role IN ('viewer', 'admin', 'super-admin')),
    tenant_id     TEXT,
    action        TEXT NOT NULL,
    target_id     TEXT,
    changes_json  TEXT,
    client_ip     TEXT,
    request_id    TEXT
);
CREATE INDEX audit_events_by_tenant ON audit_events(tenant_id, occurred_at);
