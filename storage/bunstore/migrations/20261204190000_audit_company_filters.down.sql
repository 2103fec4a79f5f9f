{{if eq .Dialect "mysql"}}DROP INDEX audit_events_company_entity ON audit_events{{else}}DROP INDEX IF EXISTS audit_events_company_entity{{end}}
--bun:split
{{if eq .Dialect "mysql"}}DROP INDEX audit_events_company_action ON audit_events{{else}}DROP INDEX IF EXISTS audit_events_company_action{{end}}
--bun:split
{{if eq .Dialect "mysql"}}DROP INDEX audit_events_company_actor ON audit_events{{else}}DROP INDEX IF EXISTS audit_events_company_actor{{end}}
