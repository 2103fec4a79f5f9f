CREATE TABLE presence_pause_types (
    id            {{.ID}} NOT NULL PRIMARY KEY,
    company_id    {{.ID}} NOT NULL,
    name          {{.Str}} NOT NULL,
    active_name   {{.Str}},
    paid          {{.Bool}} NOT NULL,
    allocation_us BIGINT,
    fallback_id   {{.ID}} NOT NULL,
    archived      {{.Bool}} NOT NULL,
    version       BIGINT NOT NULL,
    created_at    {{.TS}} NOT NULL,
    updated_at    {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE UNIQUE INDEX presence_pause_types_active_name ON presence_pause_types (company_id, active_name)
--bun:split
CREATE TABLE presence_current (
    company_id    {{.ID}} NOT NULL,
    user_id       {{.ID}} NOT NULL,
    state         {{.Str}} NOT NULL,
    pause_type_id {{.ID}} NOT NULL,
    since         {{.TS}} NOT NULL,
    due_at        {{.TS}},
    cause         {{.Str}} NOT NULL,
    set_by        {{.ID}} NOT NULL,
    version       BIGINT NOT NULL,
    PRIMARY KEY (company_id, user_id)
){{.Table}}
--bun:split
CREATE INDEX presence_current_due ON presence_current (company_id, due_at, user_id)
--bun:split
CREATE TABLE presence_intervals (
    id            {{.ID}} NOT NULL PRIMARY KEY,
    company_id    {{.ID}} NOT NULL,
    user_id       {{.ID}} NOT NULL,
    day           {{.ID}} NOT NULL,
    state         {{.Str}} NOT NULL,
    pause_type_id {{.ID}} NOT NULL,
    paid          {{.Bool}} NOT NULL,
    start_at      {{.TS}} NOT NULL,
    end_at        {{.TS}} NOT NULL,
    cause         {{.Str}} NOT NULL,
    set_by        {{.ID}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX presence_intervals_day ON presence_intervals (company_id, user_id, day, start_at)
--bun:split
CREATE INDEX presence_intervals_user_start ON presence_intervals (company_id, user_id, start_at)
--bun:split
CREATE INDEX presence_intervals_start ON presence_intervals (company_id, start_at)
