import django.db.models.deletion
from django.db import migrations, models

from govsocial.tenancy import agency_row_security

# Keep one dispatch ticket per target in a waiting state (see DispatchTicket): due at
# the target's next_attempt_at, carrying its state, never leased after a change.
# SECURITY INVOKER (the default): it writes under the caller's agency, like the change.
TICKET_SYNC = '''
CREATE FUNCTION publishing_dispatch_ticket_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IN ('scheduled', 'queued', 'sending', 'retry_wait', 'unconfirmed')
       AND NEW.next_attempt_at IS NOT NULL THEN
        INSERT INTO publishing_dispatchticket (agency_id, target_id, due_at, state, lease_until)
        VALUES (NEW.agency_id, NEW.id, NEW.next_attempt_at, NEW.state, NULL)
        ON CONFLICT (target_id) DO UPDATE
            SET due_at = EXCLUDED.due_at, state = EXCLUDED.state, lease_until = NULL;
    ELSE
        DELETE FROM publishing_dispatchticket WHERE target_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$
'''
TICKET_TRIGGERS = [
    TICKET_SYNC,
    '''CREATE TRIGGER publishing_dispatch_ticket_on_insert
       AFTER INSERT ON publishing_posttarget
       FOR EACH ROW EXECUTE FUNCTION publishing_dispatch_ticket_sync()''',
    '''CREATE TRIGGER publishing_dispatch_ticket_on_update
       AFTER UPDATE OF state, next_attempt_at ON publishing_posttarget
       FOR EACH ROW
       WHEN (OLD.state IS DISTINCT FROM NEW.state
             OR OLD.next_attempt_at IS DISTINCT FROM NEW.next_attempt_at)
       EXECUTE FUNCTION publishing_dispatch_ticket_sync()''',
]
TICKET_TRIGGERS_REVERSE = [
    "DROP TRIGGER IF EXISTS publishing_dispatch_ticket_on_update ON publishing_posttarget",
    "DROP TRIGGER IF EXISTS publishing_dispatch_ticket_on_insert ON publishing_posttarget",
    "DROP FUNCTION IF EXISTS publishing_dispatch_ticket_sync()",
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_single_sign_on'),
        ('publishing', '0006_queue_slots'),
    ]

    operations = [
        migrations.AddField(
            model_name='posttarget',
            name='sent_text',
            field=models.TextField(blank=True),
        ),
        migrations.CreateModel(
            name='DispatchTicket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_at', models.DateTimeField()),
                ('state', models.CharField(max_length=16)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('target', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='publishing.posttarget')),
            ],
            options={
                'indexes': [models.Index(fields=['due_at'], name='dispatch_ticket_due')],
            },
        ),
        agency_row_security("publishing_dispatchticket", readable_by_all=True),
        migrations.RunSQL(sql=TICKET_TRIGGERS, reverse_sql=TICKET_TRIGGERS_REVERSE),
    ]
