ALTER TABLE tenancy_companies ADD COLUMN open_registration {{.Bool}} NOT NULL DEFAULT TRUE
--bun:split
UPDATE tenancy_companies SET open_registration = FALSE WHERE kind <> 'reseller'
