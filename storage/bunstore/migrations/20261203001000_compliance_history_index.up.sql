{{if eq .Dialect "postgres"}}CREATE INDEX compliance_calls_history ON compliance_calls (company_id, subject_key, reserved_at, id) INCLUDE (status, outcome, expires_at){{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE INDEX compliance_calls_history ON compliance_calls (company_id, subject_key, reserved_at, id, status, outcome, expires_at){{end}}
--bun:split
{{if ne .Dialect "mysql"}}DROP INDEX IF EXISTS compliance_calls_subject{{end}}
