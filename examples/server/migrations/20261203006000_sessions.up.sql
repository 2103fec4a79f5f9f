CREATE TABLE IF NOT EXISTS server_sessions (
	token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
	user_id VARCHAR(64) NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
)
--bun:split
CREATE INDEX server_sessions_user ON server_sessions (user_id)
