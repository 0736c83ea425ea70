-- Roles `service` (application keys: record usage, check quotas) and `billing` (an operator who changes what
-- tenants are billed), security round item 2. Operator roles (billing, super-admin) belong to no tenant and
-- tenant roles always to one: the CHECK now says both directions (a super-admin row with a tenant, which
-- the services never wrote, loses it). Same rules as the SQLite file, which has to rebuild the tables.
UPDATE users SET tenant_id = NULL WHERE role = 'super-admin' AND tenant_id IS NOT NULL;
UPDATE api_keys SET tenant_id = NULL WHERE role = 'super-admin' AND tenant_id IS NOT NULL;

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('service', 'viewer', 'admin', 'billing', 'super-admin'));
ALTER TABLE users ADD CONSTRAINT users_check CHECK ((role IN ('billing', 'super-admin')) = (tenant_id IS NULL));

ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('service', 'viewer', 'admin', 'billing', 'super-admin'));
ALTER TABLE api_keys ADD CONSTRAINT api_keys_check CHECK ((role IN ('billing', 'super-admin')) = (tenant_id IS NULL));

ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor_role_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_role_check
    CHECK (actor_role IN ('service', 'viewer', 'admin', 'billing', 'super-admin'));
