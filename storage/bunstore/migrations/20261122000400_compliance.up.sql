CREATE TABLE compliance_settings (
    company_id {{.ID}} NOT NULL PRIMARY KEY,
    fz230      {{.Bool}} NOT NULL,
    policy     {{.Text}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    version    BIGINT NOT NULL
){{.Table}}
--bun:split
CREATE TABLE compliance_subjects (
    company_id  {{.ID}} NOT NULL,
    subject_key {{.Str}} NOT NULL,
    locks       BIGINT NOT NULL,
    PRIMARY KEY (company_id, subject_key)
){{.Table}}
--bun:split
CREATE TABLE compliance_calls (
    id           {{.ID}} NOT NULL PRIMARY KEY,
    company_id   {{.ID}} NOT NULL,
    subject_key  {{.Str}} NOT NULL,
    phone        {{.Str}} NOT NULL,
    reserved_at  {{.TS}} NOT NULL,
    expires_at   {{.TS}} NOT NULL,
    status       {{.Str}} NOT NULL,
    outcome      {{.Str}} NOT NULL,
    completed_at {{.TS}} NULL,
    reserved_by  {{.ID}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX compliance_calls_subject ON compliance_calls (company_id, subject_key, reserved_at, id)
--bun:split
CREATE INDEX compliance_calls_reserved ON compliance_calls (reserved_at)
