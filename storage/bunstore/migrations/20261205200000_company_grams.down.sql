{{if eq .Dialect "mysql"}}CREATE TABLE tenancy_company_trigrams (
    trigram    VARBINARY(16) NOT NULL,
    company_id {{.ID}} NOT NULL,
    PRIMARY KEY (trigram, company_id),
    KEY tenancy_company_trigrams_company (company_id)
){{.Table}}{{end}}
--bun:split
{{if eq .Dialect "mysql"}}INSERT IGNORE INTO tenancy_company_trigrams (trigram, company_id)
SELECT CAST(SUBSTRING(c.search_text, n.i, 3) AS BINARY), c.id
FROM tenancy_companies c
JOIN (SELECT a.d + 10 * b.d + 100 * e.d + 1 AS i FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a, (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b, (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e) n
  ON n.i <= CHAR_LENGTH(c.search_text) - 2{{end}}
--bun:split
{{if eq .Dialect "mysql"}}DROP TABLE tenancy_company_grams{{end}}
