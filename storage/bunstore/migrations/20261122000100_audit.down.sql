DROP TABLE IF EXISTS audit_heads
--bun:split
DROP TABLE IF EXISTS audit_events
