ALTER TABLE licensing_subscriptions ADD COLUMN phone {{.ID}} NULL
--bun:split
CREATE UNIQUE INDEX licensing_subscriptions_phone ON licensing_subscriptions (phone)
