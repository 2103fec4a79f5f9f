{{if eq .Dialect "mysql"}}DROP TABLE IF EXISTS tenancy_company_trigrams{{end}}
