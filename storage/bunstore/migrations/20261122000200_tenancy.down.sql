DROP TABLE IF EXISTS tenancy_members
--bun:split
DROP TABLE IF EXISTS tenancy_users
--bun:split
DROP TABLE IF EXISTS tenancy_sub_accounts
--bun:split
DROP TABLE IF EXISTS tenancy_companies
--bun:split
{{if eq .Dialect "sqlite"}}DROP TABLE IF EXISTS tenancy_companies_fts{{end}}
