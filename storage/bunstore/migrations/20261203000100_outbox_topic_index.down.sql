{{if eq .Dialect "mysql"}}DROP INDEX outbox_messages_claim ON outbox_messages{{else}}DROP INDEX IF EXISTS outbox_messages_claim{{end}}
--bun:split
CREATE INDEX outbox_messages_due ON outbox_messages (state, next_attempt, id)
