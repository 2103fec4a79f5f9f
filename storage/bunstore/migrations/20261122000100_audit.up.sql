CREATE TABLE audit_events (
    id               {{.ID}} NOT NULL PRIMARY KEY,
    company_id       {{.ID}} NOT NULL,
    seq              BIGINT NOT NULL,
    occurred_at      {{.TS}} NOT NULL,
    actor_user_id    {{.ID}} NOT NULL,
    actor_company_id {{.ID}} NOT NULL,
    actor_role       {{.Str}} NOT NULL,
    action           {{.Str}} NOT NULL,
    entity_type      {{.Str}} NOT NULL,
    entity_id        {{.Str}} NOT NULL,
    changes          {{.Text}} NOT NULL,
    metadata         {{.Text}} NOT NULL,
    prev_hash        {{.Str}} NOT NULL,
    hash             {{.Str}} NOT NULL,
    CONSTRAINT audit_events_chain UNIQUE (company_id, seq)
){{.Table}}
--bun:split
CREATE INDEX audit_events_time ON audit_events (occurred_at, id)
--bun:split
CREATE INDEX audit_events_company_time ON audit_events (company_id, occurred_at, id)
--bun:split
CREATE INDEX audit_events_actor_time ON audit_events (actor_user_id, occurred_at, id)
--bun:split
CREATE INDEX audit_events_entity_time ON audit_events (entity_type, entity_id, occurred_at, id)
--bun:split
CREATE INDEX audit_events_action_time ON audit_events (action, occurred_at, id)
--bun:split
CREATE TABLE audit_heads (
    company_id {{.ID}} NOT NULL PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       {{.Str}} NOT NULL
){{.Table}}
