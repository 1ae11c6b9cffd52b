"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

import django.db.models.deletion
from django.db import migrations, models

from govsocial.tenancy import agency_unindexed, indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_approval_reminders"),
        ("publishing", "0014_account_pictures"),
    ]

    operations = [
        indexes_dropped(
            [
                migrations.AlterField(
                    model_name="pausedaccount",
                    name="pause",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="publishing.publishingpause",
                    ),
                ),
                agency_unindexed("post"),
                migrations.AlterField(
                    model_name="postmedia",
                    name="post",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="media",
                        to="publishing.post",
                    ),
                ),
                migrations.AlterField(
                    model_name="postrevision",
                    name="post",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="publishing.post",
                    ),
                ),
                migrations.AlterField(
                    model_name="posttarget",
                    name="post",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="targets",
                        to="publishing.post",
                    ),
                ),
                migrations.AlterField(
                    model_name="queueslot",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="publishing.socialaccount",
                    ),
                ),
                agency_unindexed("socialaccount"),
                migrations.AlterField(
                    model_name="socialaccountkeypublisher",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="key_publishers",
                        to="publishing.socialaccount",
                    ),
                ),
            ],
            {
                "publishing_pausedaccount_pause_id_5c8b49d6": "publishing_pausedaccount (pause_id)",
                "publishing_post_agency_id_aee20444": "publishing_post (agency_id)",
                "publishing_postmedia_post_id_1cb17197": "publishing_postmedia (post_id)",
                "publishing_postrevision_post_id_3cd95704": "publishing_postrevision (post_id)",
                "publishing_posttarget_post_id_32b83799": "publishing_posttarget (post_id)",
                "publishing_queueslot_account_id_49123d78": "publishing_queueslot (account_id)",
                "publishing_socialaccount_agency_id_b4550475": "publishing_socialaccount (agency_id)",
                "publishing_socialaccountkeypublisher_account_id_16b20925": "publishing_socialaccountkeypublisher (account_id)",
            },
        ),
    ]
