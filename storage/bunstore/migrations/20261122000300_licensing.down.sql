DROP TABLE IF EXISTS licensing_subscription_keys
--bun:split
DROP TABLE IF EXISTS licensing_user_packages
--bun:split
DROP TABLE IF EXISTS licensing_package_offers
--bun:split
DROP TABLE IF EXISTS licensing_packages
--bun:split
DROP TABLE IF EXISTS licensing_addons
--bun:split
DROP TABLE IF EXISTS licensing_subscriptions
--bun:split
DROP TABLE IF EXISTS licensing_assignments
--bun:split
DROP TABLE IF EXISTS licensing_pools
--bun:split
DROP TABLE IF EXISTS licensing_idempotency
--bun:split
DROP TABLE IF EXISTS licensing_ledger
--bun:split
DROP TABLE IF EXISTS licensing_accounts
