ALTER TABLE tenancy_users ADD COLUMN phone {{.Str}} NOT NULL DEFAULT ''
--bun:split
ALTER TABLE tenancy_members ADD COLUMN deactivated {{.Bool}} NOT NULL DEFAULT FALSE
--bun:split
CREATE TABLE tenancy_user_tokens (
    token_hash   {{.ID}} NOT NULL PRIMARY KEY,
    purpose      {{.Str}} NOT NULL,
    user_id      {{.ID}} NOT NULL,
    company_id   {{.ID}} NOT NULL,
    new_email    {{.Str}} NOT NULL,
    requested_by {{.ID}} NOT NULL,
    expires_at   {{.TS}} NOT NULL,
    created_at   {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX tenancy_user_tokens_user ON tenancy_user_tokens (user_id, purpose)
