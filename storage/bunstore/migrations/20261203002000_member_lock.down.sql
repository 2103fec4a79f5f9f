ALTER TABLE tenancy_members DROP COLUMN lock_seq
