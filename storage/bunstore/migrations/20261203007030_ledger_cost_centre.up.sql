ALTER TABLE licensing_ledger ADD COLUMN cost_centre_id {{.ID}} NOT NULL DEFAULT ''
