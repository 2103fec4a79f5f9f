CREATE TABLE tenancy_companies (
    id                  {{.ID}} NOT NULL PRIMARY KEY,
    kind                {{.Str}} NOT NULL,
    legal_name          {{.Str}} NOT NULL,
    registration_number {{.Str}} NOT NULL,
    tax_id              {{.Str}} NOT NULL,
    display_name        {{.Str}} NOT NULL,
    status              {{.Str}} NOT NULL,
    reseller_id         {{.ID}} NOT NULL,
    slug                {{.Str}} NULL,
    owner_user_id       {{.ID}} NOT NULL,
    search_text         {{.Text}} NOT NULL,
    created_at          {{.TS}} NOT NULL,
    updated_at          {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE UNIQUE INDEX tenancy_companies_slug ON tenancy_companies (slug)
--bun:split
CREATE INDEX tenancy_companies_reseller ON tenancy_companies (reseller_id, id)
--bun:split
{{if eq .Dialect "postgres"}}CREATE EXTENSION IF NOT EXISTS pg_trgm{{end}}
--bun:split
{{if eq .Dialect "postgres"}}CREATE INDEX tenancy_companies_search ON tenancy_companies USING GIN (search_text gin_trgm_ops){{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE VIRTUAL TABLE tenancy_companies_fts USING fts5(company_id UNINDEXED, search_text, tokenize='trigram'){{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE TRIGGER tenancy_companies_fts_insert AFTER INSERT ON tenancy_companies BEGIN
    INSERT INTO tenancy_companies_fts (company_id, search_text) VALUES (new.id, new.search_text);
END{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE TRIGGER tenancy_companies_fts_update AFTER UPDATE OF search_text ON tenancy_companies
WHEN old.search_text <> new.search_text BEGIN
    DELETE FROM tenancy_companies_fts WHERE company_id = old.id;
    INSERT INTO tenancy_companies_fts (company_id, search_text) VALUES (new.id, new.search_text);
END{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE TRIGGER tenancy_companies_fts_delete AFTER DELETE ON tenancy_companies BEGIN
    DELETE FROM tenancy_companies_fts WHERE company_id = old.id;
END{{end}}
--bun:split
CREATE TABLE tenancy_sub_accounts (
    id         {{.ID}} NOT NULL PRIMARY KEY,
    company_id {{.ID}} NOT NULL,
    name       {{.Str}} NOT NULL,
    name_key   {{.Str}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE UNIQUE INDEX tenancy_sub_accounts_name ON tenancy_sub_accounts (company_id, name_key)
--bun:split
CREATE TABLE tenancy_users (
    id                  {{.ID}} NOT NULL PRIMARY KEY,
    email               {{.Str}} NOT NULL,
    email_key           {{.Str}} NOT NULL,
    first_name          {{.Str}} NOT NULL,
    last_name           {{.Str}} NOT NULL,
    password_hash       {{.Str}} NOT NULL,
    password_changed_at {{.TS}} NOT NULL,
    created_at          {{.TS}} NOT NULL,
    updated_at          {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE UNIQUE INDEX tenancy_users_email ON tenancy_users (email_key)
--bun:split
CREATE TABLE tenancy_members (
    company_id     {{.ID}} NOT NULL,
    user_id        {{.ID}} NOT NULL,
    role           {{.Str}} NOT NULL,
    sub_account_id {{.ID}} NOT NULL,
    created_at     {{.TS}} NOT NULL,
    updated_at     {{.TS}} NOT NULL,
    PRIMARY KEY (company_id, user_id)
){{.Table}}
--bun:split
CREATE INDEX tenancy_members_user ON tenancy_members (user_id, company_id)
--bun:split
CREATE INDEX tenancy_members_sub ON tenancy_members (company_id, sub_account_id, user_id)
