-- The minimal reservation transaction: bump the subscriber's counter row
-- and insert the call, nothing else (no settings or history read, no audit
-- event). The yardstick of BenchmarkComplianceReserveCompletePostgres: the
-- SDK's cycle is measured against it. Each transaction calls a fresh
-- subscriber of one company.
\set sub random(1, 2000000000)
\set rid random(1, 2000000000)
BEGIN;
INSERT INTO compliance_subjects (company_id, subject_key, locks) VALUES ('pgbench-co', 'k' || :client_id || '-' || :sub, 1)
  ON CONFLICT (company_id, subject_key) DO UPDATE SET locks = compliance_subjects.locks + 1;
INSERT INTO compliance_calls (id, company_id, subject_key, phone, reserved_at, expires_at, status, outcome, reserved_by)
  VALUES ('c' || :client_id || '-' || :rid, 'pgbench-co', 'k' || :client_id || '-' || :sub, '+74950000000', now(), now() + interval '10 minutes', 'pending', '', 'u');
COMMIT;
