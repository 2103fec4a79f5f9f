DROP TABLE IF EXISTS account_org_assignments
--bun:split
DROP TABLE IF EXISTS account_org_options
--bun:split
DROP TABLE IF EXISTS account_org_categories
--bun:split
DROP TABLE IF EXISTS account_users
--bun:split
DROP TABLE IF EXISTS account_companies
