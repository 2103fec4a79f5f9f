ALTER TABLE tenancy_users ADD COLUMN search_key {{if eq .Dialect "mysql"}}VARCHAR(1024){{else}}TEXT{{end}} NOT NULL DEFAULT ''
--bun:split
UPDATE tenancy_users SET search_key = LOWER({{if eq .Dialect "mysql"}}CONCAT(first_name, ' ', last_name, ' ', email){{else}}first_name || ' ' || last_name || ' ' || email{{end}})
--bun:split
CREATE INDEX tenancy_members_role ON tenancy_members (company_id, role, user_id)
--bun:split
{{if eq .Dialect "postgres"}}CREATE INDEX tenancy_users_search ON tenancy_users USING GIN (search_key gin_trgm_ops){{end}}
