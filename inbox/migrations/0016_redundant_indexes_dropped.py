"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

import django.db.models.deletion
from django.db import migrations, models

from govsocial.tenancy import agency_unindexed, indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_approval_reminders"),
        ("inbox", "0015_erased_and_restricted_items"),
        ("publishing", "0014_account_pictures"),
    ]

    operations = [
        indexes_dropped(
            [
                migrations.AlterField(
                    model_name="blockedauthor",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="publishing.socialaccount",
                    ),
                ),
                migrations.AlterField(
                    model_name="inboxitem",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="publishing.socialaccount",
                        verbose_name="account",
                    ),
                ),
                agency_unindexed("inboxitem"),
                migrations.AlterField(
                    model_name="inboxitemmedia",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="media",
                        to="inbox.inboxitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="inboxitemversion",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="inbox.inboxitem",
                    ),
                ),
                agency_unindexed("policyclause"),
            ],
            {
                "inbox_blockedauthor_account_id_345ea020": "inbox_blockedauthor (account_id)",
                "inbox_inboxitem_account_id_c9931b86": "inbox_inboxitem (account_id)",
                "inbox_inboxitem_agency_id_739e9a17": "inbox_inboxitem (agency_id)",
                "inbox_inboxitemmedia_item_id_f1c44236": "inbox_inboxitemmedia (item_id)",
                "inbox_inboxitemversion_item_id_b751c05b": "inbox_inboxitemversion (item_id)",
                "inbox_policyclause_agency_id_16ededdf": "inbox_policyclause (agency_id)",
            },
        ),
    ]
