ALTER TABLE account_users ADD COLUMN cost_centre_id {{.ID}} NOT NULL DEFAULT ''
--bun:split
{{if eq .Dialect "postgres"}}UPDATE account_users SET cost_centre_id = COALESCE(doc::json->>'cost_centre_id', ''){{else if eq .Dialect "mysql"}}UPDATE account_users SET cost_centre_id = COALESCE(JSON_UNQUOTE(JSON_EXTRACT(doc, '$.cost_centre_id')), ''){{else}}UPDATE account_users SET cost_centre_id = COALESCE(json_extract(doc, '$.cost_centre_id'), ''){{end}}
--bun:split
CREATE INDEX account_users_cost_centre ON account_users (company_id, cost_centre_id, user_id)
