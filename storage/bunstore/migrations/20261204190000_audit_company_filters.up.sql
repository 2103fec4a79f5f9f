CREATE INDEX audit_events_company_actor ON audit_events (company_id, actor_user_id, occurred_at, id)
--bun:split
CREATE INDEX audit_events_company_action ON audit_events (company_id, action, occurred_at, id)
--bun:split
CREATE INDEX audit_events_company_entity ON audit_events (company_id, entity_type, entity_id, occurred_at, id)
