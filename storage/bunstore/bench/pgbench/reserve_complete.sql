-- The minimal SQL equivalent of one dialer cycle (compliance.Service.Reserve
-- then Complete, two transactions) on the SDK's schema: the same statements,
-- locks and audit-event inserts, without the Go around them — 4 round
-- trips, as the SDK's: BEGIN, the lock upsert and the settings and history
-- read go together; the reservation, its audit event and COMMIT together;
-- BEGIN with Complete's UPDATE … RETURNING; its audit event with COMMIT
-- ("\;" joins statements into one round trip). The SDK sends these
-- statements prepared (EXECUTE of a statement each connection prepared
-- once); pgbench cannot prepare statements joined with "\;", so here the
-- server parses and plans each one every time. Each cycle calls a fresh
-- subscriber of one company, as BenchmarkComplianceReserveComplete*.
\set sub random(1, 2000000000)
\set rid random(1, 2000000000)
BEGIN \;
INSERT INTO compliance_subjects (company_id, subject_key, locks) VALUES ('pgbench-co', 'k' || :client_id || '-' || :sub, 1)
  ON CONFLICT (company_id, subject_key) DO UPDATE SET locks = compliance_subjects.locks + 1 \;
SELECT s.fz230, s.policy, s.updated_at, s.version, h.n, h.agg FROM (SELECT COUNT(*) AS n, string_agg((extract(epoch FROM reserved_at) * 1000000)::bigint || ',' ||
    CASE WHEN status = 'pending' THEN ((extract(epoch FROM expires_at) * 1000000)::bigint)::text ELSE '' END || ',' ||
    CASE WHEN status = 'pending' THEN 'A' WHEN outcome = 'answered_human' THEN 'H' WHEN outcome = 'message_sent' THEN 'M' WHEN outcome IN ('answering_machine', 'no_answer', 'busy', 'failed') THEN 'T' ELSE 'Z' END, ';') AS agg
  FROM compliance_calls WHERE company_id = 'pgbench-co' AND subject_key = 'k' || :client_id || '-' || :sub
    AND reserved_at >= now() - interval '33 days' AND status <> 'released') h
  LEFT JOIN compliance_settings s ON s.company_id = 'pgbench-co';
INSERT INTO compliance_calls (id, company_id, subject_key, phone, reserved_at, expires_at, status, outcome, reserved_by)
  VALUES ('c' || :client_id || '-' || :rid, 'pgbench-co', 'k' || :client_id || '-' || :sub, '+74950000000', now(), now() + interval '10 minutes', 'pending', '', 'u') \;
INSERT INTO audit_events (id, company_id, occurred_at, actor_user_id, actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, leaf_hash, v1_prev_hash, v1_hash)
  VALUES (gen_random_uuid()::text, 'pgbench-co', now(), 'u', 'pgbench-co', 'owner', 'compliance.call.reserve', 'compliance_call', 'c' || :client_id || '-' || :rid,
          '[{"field":"status","after":"pending"}]', '{}', '', '', '') \;
COMMIT;
BEGIN \;
UPDATE compliance_calls SET status = 'completed', outcome = 'no_answer', completed_at = now()
  WHERE id = 'c' || :client_id || '-' || :rid AND status = 'pending' RETURNING *;
INSERT INTO audit_events (id, company_id, occurred_at, actor_user_id, actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, leaf_hash, v1_prev_hash, v1_hash)
  VALUES (gen_random_uuid()::text, 'pgbench-co', now(), 'u', 'pgbench-co', 'owner', 'compliance.call.complete', 'compliance_call', 'c' || :client_id || '-' || :rid,
          '[{"field":"status","before":"pending","after":"completed"}]', '{}', '', '', '') \;
COMMIT;
