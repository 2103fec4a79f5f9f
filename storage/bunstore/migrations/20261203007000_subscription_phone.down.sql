{{if eq .Dialect "mysql"}}DROP INDEX licensing_subscriptions_phone ON licensing_subscriptions{{else}}DROP INDEX IF EXISTS licensing_subscriptions_phone{{end}}
--bun:split
ALTER TABLE licensing_subscriptions DROP COLUMN phone
