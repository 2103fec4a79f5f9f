{{if eq .Dialect "mysql"}}DROP INDEX presence_current_due_at ON presence_current{{else}}DROP INDEX IF EXISTS presence_current_due_at{{end}}
