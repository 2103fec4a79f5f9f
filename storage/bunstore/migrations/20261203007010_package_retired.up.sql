ALTER TABLE licensing_packages ADD COLUMN retired {{.Bool}} NOT NULL DEFAULT FALSE
