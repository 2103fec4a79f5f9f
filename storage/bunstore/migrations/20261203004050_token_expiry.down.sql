{{if eq .Dialect "mysql"}}DROP INDEX tenancy_user_tokens_expires ON tenancy_user_tokens{{else}}DROP INDEX IF EXISTS tenancy_user_tokens_expires{{end}}
