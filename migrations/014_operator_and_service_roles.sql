-- Roles `service` (application keys: record usage, check quotas) and `billing` (an operator who changes what
-- tenants are billed), security round item 2. Operator roles (billing, super-admin) belong to no tenant and
-- tenant roles always to one: the CHECK now says both directions (a super-admin row with a tenant, which
-- the services never wrote, loses it).
--
-- SQLite cannot change a CHECK constraint in place, so users, api_keys and audit_events are rebuilt with the
-- same rows. sessions is rebuilt too: dropping users would cascade into it (foreign keys stay on inside
-- the migration's transaction), so the sessions are copied first and survive.
CREATE TABLE users_new (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name           TEXT,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('service', 'viewer', 'admin', 'billing', 'super-admin')),
    tenant_id      TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    last_login_at  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((role IN ('billing', 'super-admin')) = (tenant_id IS NULL))
);
INSERT INTO users_new (id, email, name, password_hash, role, tenant_id, last_login_at, created_at, updated_at)
    SELECT id, email, name, password_hash, role, CASE WHEN role = 'super-admin' THEN NULL ELSE tenant_id END,
           last_login_at, created_at, updated_at
      FROM users;

CREATE TABLE sessions_new (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users_new(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    client_ip    TEXT
) WITHOUT ROWID;
INSERT INTO sessions_new (token_hash, user_id, created_at, expires_at, client_ip)
    SELECT token_hash, user_id, created_at, expires_at, client_ip FROM sessions;

DROP TABLE sessions;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX users_by_tenant ON users(tenant_id);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE api_keys_new (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('service', 'viewer', 'admin', 'billing', 'super-admin')),
    tenant_id     TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    created_by    TEXT,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked_at    TEXT,
    CHECK ((role IN ('billing', 'super-admin')) = (tenant_id IS NULL))
);
INSERT INTO api_keys_new (id, name, key_hash, prefix, role, tenant_id, created_by, created_at, expires_at, last_used_at, revoked_at)
    SELECT id, name, key_hash, prefix, role, CASE WHEN role = 'super-admin' THEN NULL ELSE tenant_id END,
           created_by, created_at, expires_at, last_used_at, revoked_at
      FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id);

CREATE TABLE audit_events_new (
    id            TEXT PRIMARY KEY,
    occurred_at   TEXT NOT NULL,
    actor_type    TEXT NOT NULL CHECK (actor_type IN ('api_key', 'user', 'system')),
    actor_id      TEXT NOT NULL,
    actor_role    TEXT NOT NULL CHECK (actor_role IN ('service', 'viewer', 'admin', 'billing', 'super-admin')),
    tenant_id     TEXT,
    action        TEXT NOT NULL,
    target_id     TEXT,
    changes_json  TEXT,
    client_ip     TEXT,
    request_id    TEXT
);
INSERT INTO audit_events_new SELECT id, occurred_at, actor_type, actor_id, actor_role, tenant_id, action, target_id,
                                    changes_json, client_ip, request_id FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_events_by_tenant ON audit_events(tenant_id, occurred_at);
