ALTER TABLE tenancy_companies ADD COLUMN kpp {{.ID}} NOT NULL DEFAULT ''
