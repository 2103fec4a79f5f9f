ALTER TABLE licensing_packages DROP COLUMN retired
