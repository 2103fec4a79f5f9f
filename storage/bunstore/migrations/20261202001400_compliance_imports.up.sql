CREATE TABLE compliance_imports (
    company_id   {{.ID}} NOT NULL,
    import_key   {{.Str}} NOT NULL,
    request_hash {{.Str}} NOT NULL,
    calls        BIGINT NOT NULL,
    imported_at  {{.TS}} NOT NULL,
    imported_by  {{.ID}} NOT NULL,
    PRIMARY KEY (company_id, import_key)
){{.Table}}
