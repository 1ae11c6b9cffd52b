"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from govsocial.tenancy import indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_about"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        indexes_dropped(
            [
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="notificationchoice",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            {
                "notifications_notification_user_id_b5e8c0ff": "notifications_notification (user_id)",
                "notifications_notificationchoice_user_id_804f593f": "notifications_notificationchoice (user_id)",
            },
        ),
    ]
