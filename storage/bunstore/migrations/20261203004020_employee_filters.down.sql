{{if eq .Dialect "postgres"}}DROP INDEX IF EXISTS tenancy_users_search{{end}}
--bun:split
{{if eq .Dialect "mysql"}}DROP INDEX tenancy_members_role ON tenancy_members{{else}}DROP INDEX IF EXISTS tenancy_members_role{{end}}
--bun:split
ALTER TABLE tenancy_users DROP COLUMN search_key
