CREATE INDEX audit_events_company_actor_action ON audit_events (company_id, actor_user_id, occurred_at, id, action)
--bun:split
{{if eq .Dialect "mysql"}}DROP INDEX audit_events_company_actor ON audit_events{{else}}DROP INDEX IF EXISTS audit_events_company_actor{{end}}
--bun:split
CREATE INDEX audit_events_actor_action ON audit_events (actor_user_id, occurred_at, id, action)
--bun:split
{{if eq .Dialect "mysql"}}DROP INDEX audit_events_actor_time ON audit_events{{else}}DROP INDEX IF EXISTS audit_events_actor_time{{end}}
