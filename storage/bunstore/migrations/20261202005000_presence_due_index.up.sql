CREATE INDEX presence_current_due_at ON presence_current (due_at, company_id, user_id){{if ne .Dialect "mysql"}} WHERE due_at IS NOT NULL{{end}}
