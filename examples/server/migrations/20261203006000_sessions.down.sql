DROP TABLE IF EXISTS server_sessions
