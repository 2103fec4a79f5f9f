DROP TABLE IF EXISTS tenancy_user_tokens
--bun:split
ALTER TABLE tenancy_members DROP COLUMN deactivated
--bun:split
ALTER TABLE tenancy_users DROP COLUMN phone
