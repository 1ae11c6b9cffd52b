from django.db import migrations

# Targets already waiting get their tickets, one agency at a time: row-level security
# hides every row from a migration with no agency bound. A migration of its own, after
# 0007 has added the ticket's foreign key: PostgreSQL validates a new foreign key with a
# query that row-level security filters, so tickets inserted before it would look as
# if their targets did not exist.
BACKFILL = '''DO $$
    DECLARE agency bigint;
    BEGIN
        FOR agency IN SELECT id FROM accounts_agency LOOP
            PERFORM set_config('govsocial.agency_id', agency::text, true);
            INSERT INTO publishing_dispatchticket (agency_id, target_id, due_at, state)
            SELECT agency_id, id, next_attempt_at, state FROM publishing_posttarget
            WHERE state IN ('scheduled', 'queued', 'sending', 'retry_wait', 'unconfirmed')
              AND next_attempt_at IS NOT NULL;
        END LOOP;
        PERFORM set_config('govsocial.agency_id', '', true);
    END
    $$'''


class Migration(migrations.Migration):

    dependencies = [("publishing", "0007_delivery")]

    operations = [migrations.RunSQL(sql=BACKFILL, reverse_sql=migrations.RunSQL.noop)]
