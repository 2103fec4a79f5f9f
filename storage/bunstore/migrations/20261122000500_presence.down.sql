DROP TABLE IF EXISTS presence_intervals
--bun:split
DROP TABLE IF EXISTS presence_current
--bun:split
DROP TABLE IF EXISTS presence_pause_types
