{{if ne .Dialect "mysql"}}CREATE INDEX IF NOT EXISTS compliance_calls_subject ON compliance_calls (company_id, subject_key, reserved_at, id){{end}}
--bun:split
{{if ne .Dialect "mysql"}}DROP INDEX IF EXISTS compliance_calls_history{{end}}
