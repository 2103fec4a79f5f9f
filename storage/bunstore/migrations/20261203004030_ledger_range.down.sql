{{if eq .Dialect "mysql"}}DROP INDEX licensing_ledger_created ON licensing_ledger{{else}}DROP INDEX IF EXISTS licensing_ledger_created{{end}}
