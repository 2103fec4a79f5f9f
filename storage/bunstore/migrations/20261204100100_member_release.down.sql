{{if eq .Dialect "postgres"}}DROP TRIGGER IF EXISTS tenancy_members_release ON tenancy_members
--bun:split
DROP FUNCTION IF EXISTS tenancy_member_release(){{else}}DROP TRIGGER IF EXISTS tenancy_members_release{{end}}
