from django.db import migrations

# Tickets are read by their own agency only, like every other agency table. Migration
# 0007 had left reading open to every agency so that the dispatcher, bound to none,
# could find due work; it now goes through publishing_due_tickets below instead.
READ_BOUND_AGENCY = (
    "ALTER POLICY agency_read ON publishing_dispatchticket USING "
    "(agency_id = NULLIF(current_setting('govsocial.agency_id', true), '')::bigint)"
)
READ_ALL = "ALTER POLICY agency_read ON publishing_dispatchticket USING (true)"

# FORCE ROW LEVEL SECURITY holds the tables' owner to the policies too, so the function
# below, which runs as the owner, reads through a policy of its own. It names the owner
# (the role migrations run as) and opens only when the current user is not the session's
# one: inside a SECURITY DEFINER function called by another role. The owner's own
# sessions (migrate, grant_app_role) stay walled, and so does a view the owner might
# own, which reads with the caller as current user.
DOOR_POLICY = (
    "CREATE POLICY dispatcher_read ON publishing_dispatchticket FOR SELECT TO CURRENT_USER "
    "USING (current_user <> session_user)"
)
DROP_DOOR_POLICY = "DROP POLICY IF EXISTS dispatcher_read ON publishing_dispatchticket"

# The dispatcher's one way across agencies: the agency and ticket ids of due tickets
# nobody holds, oldest due first, at most max_count of them; never a target, a time or
# a state. STRICT, so a NULL limit returns nothing rather than everything. The
# search_path is fixed and the table named with its schema, so nothing a caller puts
# on its own path stands in for the objects meant here.
DUE_TICKETS = '''
CREATE FUNCTION publishing_due_tickets(max_count integer)
RETURNS TABLE (agency_id bigint, ticket_id bigint)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.agency_id, t.id
    FROM public.publishing_dispatchticket AS t
    WHERE t.due_at <= statement_timestamp()
      AND (t.lease_until IS NULL OR t.lease_until <= statement_timestamp())
    ORDER BY t.due_at
    LIMIT max_count
$$
'''
# Functions are executable by PUBLIC when created; only the app role may call this one,
# and grant_app_role gives it that (DispatchTicket.app_functions).
CLOSE_DOOR = "REVOKE ALL ON FUNCTION publishing_due_tickets(integer) FROM PUBLIC"
DROP_DUE_TICKETS = "DROP FUNCTION IF EXISTS publishing_due_tickets(integer)"


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0009_first_comment'),
    ]

    operations = [
        migrations.RunSQL(
            sql=[READ_BOUND_AGENCY, DOOR_POLICY, DUE_TICKETS, CLOSE_DOOR],
            reverse_sql=[DROP_DUE_TICKETS, DROP_DOOR_POLICY, READ_ALL],
        ),
    ]
