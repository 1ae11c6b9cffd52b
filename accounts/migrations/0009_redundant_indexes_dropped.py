"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

import django.db.models.deletion
from django.db import migrations, models

from govsocial.tenancy import indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_approval_reminders"),
    ]

    operations = [
        indexes_dropped(
            [
                migrations.AlterField(
                    model_name="idempotencykey",
                    name="agency",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.agency",
                    ),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="agency",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.agency",
                    ),
                ),
            ],
            {
                "accounts_idempotencykey_agency_id_6f8219f7": "accounts_idempotencykey (agency_id)",
                "accounts_membership_agency_id_5ab2a535": "accounts_membership (agency_id)",
            },
        ),
    ]
