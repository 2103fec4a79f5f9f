CREATE TABLE audit_events_v2 (
    id               {{.ID}} NOT NULL PRIMARY KEY,
    company_id       {{.ID}} NOT NULL,
    seq              BIGINT NULL,
    occurred_at      {{.TS}} NOT NULL,
    actor_user_id    {{.ID}} NOT NULL,
    actor_company_id {{.ID}} NOT NULL,
    actor_role       {{.Str}} NOT NULL,
    action           {{.Str}} NOT NULL,
    entity_type      {{.Str}} NOT NULL,
    entity_id        {{.Str}} NOT NULL,
    changes          {{.Text}} NOT NULL,
    metadata         {{.Text}} NOT NULL,
    leaf_hash        {{.Str}} NOT NULL,
    v1_seq           BIGINT NULL,
    v1_prev_hash     {{.Str}} NOT NULL,
    v1_hash          {{.Str}} NOT NULL,
    CONSTRAINT audit_events_log UNIQUE (company_id, seq)
){{.Table}}
--bun:split
INSERT INTO audit_events_v2 (id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash)
SELECT id, company_id, NULL, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, '', seq, prev_hash, hash FROM audit_events
--bun:split
DROP TABLE audit_events
--bun:split
ALTER TABLE audit_events_v2 RENAME TO audit_events
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
{{if eq .Dialect "mysql"}}CREATE INDEX audit_events_pending ON audit_events (seq, company_id){{else}}CREATE INDEX audit_events_pending ON audit_events (company_id, occurred_at, id) WHERE seq IS NULL{{end}}
--bun:split
ALTER TABLE audit_heads RENAME TO audit_v1_heads
--bun:split
CREATE TABLE audit_logs (
    company_id      {{.ID}} NOT NULL PRIMARY KEY,
    tree_size       BIGINT NOT NULL,
    root_hash       {{.Str}} NOT NULL,
    frontier        {{.Text}} NOT NULL,
    checkpoint_note {{.Text}} NOT NULL,
    sealed_at       {{.TS}} NULL
){{.Table}}
