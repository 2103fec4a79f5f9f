{{if eq .Dialect "sqlite"}}CREATE VIRTUAL TABLE tenancy_users_fts USING fts5(user_id UNINDEXED, search_key, tokenize='trigram'){{end}}
--bun:split
{{if eq .Dialect "sqlite"}}INSERT INTO tenancy_users_fts (user_id, search_key) SELECT id, search_key FROM tenancy_users{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE TRIGGER tenancy_users_fts_insert AFTER INSERT ON tenancy_users BEGIN
    INSERT INTO tenancy_users_fts (user_id, search_key) VALUES (new.id, new.search_key);
END{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE TRIGGER tenancy_users_fts_update AFTER UPDATE OF search_key ON tenancy_users
WHEN old.search_key <> new.search_key BEGIN
    DELETE FROM tenancy_users_fts WHERE user_id = old.id;
    INSERT INTO tenancy_users_fts (user_id, search_key) VALUES (new.id, new.search_key);
END{{end}}
--bun:split
{{if eq .Dialect "sqlite"}}CREATE TRIGGER tenancy_users_fts_delete AFTER DELETE ON tenancy_users BEGIN
    DELETE FROM tenancy_users_fts WHERE user_id = old.id;
END{{end}}
