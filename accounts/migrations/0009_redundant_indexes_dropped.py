"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

from django.db import migrations

from govsocial.tenancy import agency_unindexed, indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_approval_reminders"),
    ]

    operations = [
        indexes_dropped(
            [
                agency_unindexed("idempotencykey"),
                agency_unindexed("membership"),
            ],
            {
                "accounts_idempotencykey_agency_id_6f8219f7": "accounts_idempotencykey (agency_id)",
                "accounts_membership_agency_id_5ab2a535": "accounts_membership (agency_id)",
            },
        ),
    ]
