CREATE TABLE audit_unsealed (
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
    v1_hash          {{.Str}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX audit_unsealed_company_time ON audit_unsealed (company_id, occurred_at, id)
--bun:split
INSERT INTO audit_unsealed (id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash)
SELECT id, company_id, NULL, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, '', v1_seq, v1_prev_hash, v1_hash FROM audit_events WHERE seq IS NULL
--bun:split
DELETE FROM audit_events WHERE seq IS NULL
--bun:split
{{if eq .Dialect "mysql"}}DROP INDEX audit_events_pending ON audit_events{{else}}DROP INDEX IF EXISTS audit_events_pending{{end}}
