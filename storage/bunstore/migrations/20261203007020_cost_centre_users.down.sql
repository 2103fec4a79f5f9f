{{if eq .Dialect "mysql"}}DROP INDEX account_users_cost_centre ON account_users{{else}}DROP INDEX IF EXISTS account_users_cost_centre{{end}}
--bun:split
ALTER TABLE account_users DROP COLUMN cost_centre_id
