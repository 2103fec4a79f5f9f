CREATE TABLE outbox_messages (
    id           {{.ID}} NOT NULL PRIMARY KEY,
    company_id   {{.ID}} NOT NULL,
    topic        {{.Str}} NOT NULL,
    payload      {{.Blob}},
    sealed       {{.Bool}} NOT NULL,
    state        SMALLINT NOT NULL,
    created_at   {{.TS}} NOT NULL,
    attempts     INTEGER NOT NULL,
    next_attempt {{.TS}} NOT NULL,
    delivered_at {{.TS}} NULL,
    dead_at      {{.TS}} NULL,
    last_error   {{.Text}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX outbox_messages_due ON outbox_messages (state, next_attempt, id)
