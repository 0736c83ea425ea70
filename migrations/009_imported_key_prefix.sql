-- Keys imported from ADMIN_API_KEY showed its first 12 characters as their display prefix, and that secret is
-- the operator's choice, possibly weak. Their prefix becomes random (the key itself is unchanged: lookups go by hash).
UPDATE api_keys SET prefix = 'imp_' || lower(hex(randomblob(4))) WHERE created_by = 'system';
