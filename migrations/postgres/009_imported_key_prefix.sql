-- PostgreSQL translation of migrations/009_imported_key_prefix.sql: imported keys get a random display prefix.
UPDATE api_keys SET prefix = 'imp_' || substr(md5(random()::text || id), 1, 8) WHERE created_by = 'system';
