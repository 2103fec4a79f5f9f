{{if eq .Dialect "mysql"}}DROP TABLE IF EXISTS tenancy_user_trigrams{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}DROP TRIGGER IF EXISTS tenancy_users_fts_delete{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}DROP TRIGGER IF EXISTS tenancy_users_fts_update{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}DROP TRIGGER IF EXISTS tenancy_users_fts_insert{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}DROP TABLE IF EXISTS tenancy_users_fts{{end}}
