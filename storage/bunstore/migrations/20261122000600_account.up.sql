CREATE TABLE account_companies (
    company_id {{.ID}} NOT NULL PRIMARY KEY,
    version    BIGINT NOT NULL,
    key_id     {{.Str}} NOT NULL,
    doc        {{.Text}} NOT NULL,
    updated_at {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX account_companies_key ON account_companies (key_id, company_id)
--bun:split
CREATE TABLE account_users (
    company_id {{.ID}} NOT NULL,
    user_id    {{.ID}} NOT NULL,
    version    BIGINT NOT NULL,
    doc        {{.Text}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (company_id, user_id)
){{.Table}}
--bun:split
CREATE TABLE account_org_categories (
    id         {{.ID}} NOT NULL PRIMARY KEY,
    company_id {{.ID}} NOT NULL,
    name       {{.Str}} NOT NULL,
    CONSTRAINT account_org_categories_name UNIQUE (company_id, name)
){{.Table}}
--bun:split
CREATE TABLE account_org_options (
    id          {{.ID}} NOT NULL PRIMARY KEY,
    company_id  {{.ID}} NOT NULL,
    category_id {{.ID}} NOT NULL,
    name        {{.Str}} NOT NULL,
    CONSTRAINT account_org_options_name UNIQUE (category_id, name)
){{.Table}}
--bun:split
CREATE INDEX account_org_options_company ON account_org_options (company_id, category_id)
--bun:split
CREATE TABLE account_org_assignments (
    option_id  {{.ID}} NOT NULL,
    user_id    {{.ID}} NOT NULL,
    company_id {{.ID}} NOT NULL,
    PRIMARY KEY (option_id, user_id)
){{.Table}}
--bun:split
CREATE INDEX account_org_assignments_search ON account_org_assignments (company_id, option_id, user_id)
--bun:split
CREATE INDEX account_org_assignments_user ON account_org_assignments (company_id, user_id)
