CREATE TABLE licensing_accounts (
    company_id         {{.ID}} NOT NULL PRIMARY KEY,
    tier               {{.Str}} NOT NULL,
    contract_kind      {{.Str}} NOT NULL,
    contract_ends_at   {{.TS}} NULL,
    prices             {{.Text}} NOT NULL,
    credit_limit       {{.Money}} NULL,
    reminder_threshold {{.Money}} NULL,
    reminder_armed     {{.Bool}} NOT NULL,
    balance            {{.Money}} NOT NULL,
    suspended          {{.Bool}} NOT NULL,
    last_seq           BIGINT NOT NULL,
    updated_at         {{.TS}} NULL
){{.Table}}
--bun:split
CREATE TABLE licensing_ledger (
    id            {{.ID}} NOT NULL PRIMARY KEY,
    company_id    {{.ID}} NOT NULL,
    seq           BIGINT NOT NULL,
    kind          {{.Str}} NOT NULL,
    amount        {{.Money}} NOT NULL,
    balance_after {{.Money}} NOT NULL,
    description   {{.Text}} NOT NULL,
    purchase_id   {{.ID}} NOT NULL,
    actor_user_id {{.ID}} NOT NULL,
    created_at    {{.TS}} NOT NULL,
    CONSTRAINT licensing_ledger_seq UNIQUE (company_id, seq)
){{.Table}}
--bun:split
CREATE TABLE licensing_idempotency (
    company_id   {{.ID}} NOT NULL,
    idem_key     {{.Str}} NOT NULL,
    request_hash {{.Str}} NOT NULL,
    result       {{.Text}} NOT NULL,
    created_at   {{.TS}} NOT NULL,
    PRIMARY KEY (company_id, idem_key)
){{.Table}}
--bun:split
CREATE TABLE licensing_pools (
    company_id {{.ID}} NOT NULL,
    kind       {{.ID}} NOT NULL,
    bought     INTEGER NOT NULL,
    assigned   INTEGER NOT NULL,
    PRIMARY KEY (company_id, kind),
    CONSTRAINT licensing_pools_counts CHECK (assigned >= 0 AND assigned <= bought)
){{.Table}}
--bun:split
CREATE TABLE licensing_assignments (
    company_id  {{.ID}} NOT NULL,
    user_id     {{.ID}} NOT NULL,
    kind        {{.ID}} NOT NULL,
    assigned_at {{.TS}} NOT NULL,
    PRIMARY KEY (company_id, user_id, kind)
){{.Table}}
--bun:split
CREATE TABLE licensing_subscriptions (
    id         {{.ID}} NOT NULL PRIMARY KEY,
    company_id {{.ID}} NOT NULL,
    kind       {{.ID}} NOT NULL,
    user_id    {{.ID}} NOT NULL,
    created_at {{.TS}} NOT NULL
){{.Table}}
--bun:split
CREATE INDEX licensing_subscriptions_company ON licensing_subscriptions (company_id, id)
--bun:split
CREATE INDEX licensing_subscriptions_kind ON licensing_subscriptions (company_id, kind, id)
--bun:split
CREATE INDEX licensing_subscriptions_user ON licensing_subscriptions (company_id, user_id, id)
--bun:split
CREATE TABLE licensing_addons (
    company_id {{.ID}} NOT NULL,
    code       {{.ID}} NOT NULL,
    quantity   INTEGER NOT NULL,
    PRIMARY KEY (company_id, code)
){{.Table}}
--bun:split
CREATE TABLE licensing_packages (
    id               {{.ID}} NOT NULL PRIMARY KEY,
    owner_company_id {{.ID}} NOT NULL,
    name             {{.Str}} NOT NULL,
    description      {{.Text}} NOT NULL,
    created_at       {{.TS}} NOT NULL,
    CONSTRAINT licensing_packages_name UNIQUE (owner_company_id, name)
){{.Table}}
--bun:split
CREATE TABLE licensing_package_offers (
    company_id {{.ID}} NOT NULL,
    package_id {{.ID}} NOT NULL,
    offered    {{.Bool}} NOT NULL,
    is_default {{.Bool}} NOT NULL,
    PRIMARY KEY (company_id, package_id)
){{.Table}}
--bun:split
CREATE TABLE licensing_user_packages (
    company_id {{.ID}} NOT NULL,
    user_id    {{.ID}} NOT NULL,
    package_id {{.ID}} NOT NULL,
    PRIMARY KEY (company_id, user_id, package_id)
){{.Table}}
--bun:split
CREATE TABLE licensing_subscription_keys (
    id         {{.ID}} NOT NULL PRIMARY KEY,
    company_id {{.ID}} NOT NULL,
    code       {{.Str}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    CONSTRAINT licensing_subscription_keys_code UNIQUE (company_id, code)
){{.Table}}
