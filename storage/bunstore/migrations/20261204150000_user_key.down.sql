{{if eq .Dialect "mysql"}}DROP INDEX account_users_key ON account_users{{else}}DROP INDEX IF EXISTS account_users_key{{end}}
--bun:split
ALTER TABLE account_users DROP COLUMN key_id
