from django.db import migrations

# A push from Meta names the account it reached, not the agency that connected it: the
# webhook's one read across agencies, made like publishing_due_tickets (publishing
# 0010): a policy that opens the accounts table only inside a SECURITY DEFINER
# function, and the function, which answers with the ids of the connected accounts
# that are that account on that network, and their agencies', nothing else.
DOOR_POLICY = (
    "CREATE POLICY webhook_read ON publishing_socialaccount FOR SELECT TO CURRENT_USER "
    "USING (current_user <> session_user)"
)
DROP_DOOR_POLICY = "DROP POLICY IF EXISTS webhook_read ON publishing_socialaccount"
ACCOUNTS_NAMED = """
CREATE FUNCTION inbox_accounts_named(network_name text, account_remote_id text)
RETURNS TABLE (agency_id bigint, account_id bigint)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.agency_id, s.id
    FROM public.publishing_socialaccount AS s
    WHERE s.network = network_name
      AND s.remote_id = account_remote_id
      AND s.disconnected_at IS NULL
$$
"""
# Only the app role may call it (grant_app_role, InboxItem.app_functions).
CLOSE_DOOR = "REVOKE ALL ON FUNCTION inbox_accounts_named(text, text) FROM PUBLIC"
DROP_ACCOUNTS_NAMED = "DROP FUNCTION IF EXISTS inbox_accounts_named(text, text)"


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0006_reread"),
        ("publishing", "0012_account_approval_required"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[DOOR_POLICY, ACCOUNTS_NAMED, CLOSE_DOOR],
            reverse_sql=[DROP_ACCOUNTS_NAMED, DROP_DOOR_POLICY],
        ),
    ]
