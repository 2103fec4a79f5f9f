CREATE INDEX licensing_ledger_created ON licensing_ledger (company_id, created_at, seq)
