ALTER TABLE licensing_ledger DROP COLUMN cost_centre_id
