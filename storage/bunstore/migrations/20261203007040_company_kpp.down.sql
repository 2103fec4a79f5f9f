ALTER TABLE tenancy_companies DROP COLUMN kpp
