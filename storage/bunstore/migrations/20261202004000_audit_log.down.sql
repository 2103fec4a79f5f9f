DROP TABLE IF EXISTS audit_logs
--bun:split
ALTER TABLE audit_v1_heads RENAME TO audit_heads
--bun:split
CREATE TABLE audit_events_v1 (
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
INSERT INTO audit_events_v1 (id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, prev_hash, hash)
SELECT id, company_id, v1_seq, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, v1_prev_hash, v1_hash FROM audit_events WHERE v1_seq IS NOT NULL
--bun:split
DROP TABLE audit_events
--bun:split
ALTER TABLE audit_events_v1 RENAME TO audit_events
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
