ALTER TABLE account_users ADD COLUMN key_id {{.Str}} NOT NULL DEFAULT ''
--bun:split
{{if eq .Dialect "postgres"}}UPDATE account_users SET key_id = '(legacy)' WHERE COALESCE(doc::json->'mail_login'->>'password', '') <> ''{{else if eq .Dialect "mysql"}}UPDATE account_users SET key_id = '(legacy)' WHERE COALESCE(JSON_UNQUOTE(JSON_EXTRACT(doc, '$.mail_login.password')), '') <> ''{{else}}UPDATE account_users SET key_id = '(legacy)' WHERE COALESCE(json_extract(doc, '$.mail_login.password'), '') <> ''{{end}}
--bun:split
CREATE INDEX account_users_key ON account_users (key_id, company_id, user_id)
