DROP TABLE IF EXISTS compliance_calls
--bun:split
DROP TABLE IF EXISTS compliance_subjects
--bun:split
DROP TABLE IF EXISTS compliance_settings
