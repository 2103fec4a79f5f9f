{{if eq .Dialect "mysql"}}CREATE INDEX audit_events_pending ON audit_events (seq, company_id){{else}}CREATE INDEX audit_events_pending ON audit_events (company_id, occurred_at, id) WHERE seq IS NULL{{end}}
--bun:split
INSERT INTO audit_events (id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash)
SELECT id, company_id, NULL, occurred_at, actor_user_id, actor_company_id, actor_role, action,
    entity_type, entity_id, changes, metadata, '', v1_seq, v1_prev_hash, v1_hash FROM audit_unsealed
--bun:split
DROP TABLE audit_unsealed
