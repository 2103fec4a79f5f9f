{{if eq .Dialect "postgres"}}CREATE OR REPLACE FUNCTION tenancy_member_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE licensing_pools SET assigned = assigned - 1
        WHERE company_id = OLD.company_id
          AND kind IN (SELECT kind FROM licensing_assignments WHERE company_id = OLD.company_id AND user_id = OLD.user_id);
    DELETE FROM licensing_assignments WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    UPDATE licensing_subscriptions SET user_id = '' WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    DELETE FROM licensing_user_packages WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    DELETE FROM account_org_assignments WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    DELETE FROM presence_current WHERE company_id = OLD.company_id AND user_id = OLD.user_id AND state <> 'offline';
    RETURN OLD;
END
$$
--bun:split
CREATE TRIGGER tenancy_members_release AFTER DELETE ON tenancy_members
    FOR EACH ROW EXECUTE FUNCTION tenancy_member_release()
{{else}}CREATE TRIGGER tenancy_members_release AFTER DELETE ON tenancy_members
FOR EACH ROW BEGIN
    UPDATE licensing_pools SET assigned = assigned - 1
        WHERE company_id = OLD.company_id
          AND kind IN (SELECT kind FROM licensing_assignments WHERE company_id = OLD.company_id AND user_id = OLD.user_id);
    DELETE FROM licensing_assignments WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    UPDATE licensing_subscriptions SET user_id = '' WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    DELETE FROM licensing_user_packages WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    DELETE FROM account_org_assignments WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
    DELETE FROM presence_current WHERE company_id = OLD.company_id AND user_id = OLD.user_id AND state <> 'offline';
END{{end}}
