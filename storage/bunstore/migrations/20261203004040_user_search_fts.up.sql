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
--bun:split
{{if eq .Dialect "mysql"}}CREATE TABLE tenancy_user_trigrams (
    trigram VARBINARY(16) NOT NULL,
    user_id {{.ID}} NOT NULL,
    PRIMARY KEY (trigram, user_id),
    KEY tenancy_user_trigrams_user (user_id)
){{.Table}}{{end}}
--bun:split
{{if eq .Dialect "mysql"}}INSERT IGNORE INTO tenancy_user_trigrams (trigram, user_id)
SELECT CAST(SUBSTRING(u.search_key, n.i, 3) AS BINARY), u.id
FROM tenancy_users u
JOIN (SELECT a.d + 10 * b.d + 100 * e.d + 1 AS i FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a, (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b, (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e) n
  ON n.i <= CHAR_LENGTH(u.search_key) - 2{{end}}
