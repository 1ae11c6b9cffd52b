"""Drop the index of the posts' author alone: the planner took it, rather than the one
on (agency, author), to step to an agency's next author, reading every other agency's
posts of later authors (``_FILTER_CHOICES_SQL`` in ``publishing/selectors.py``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from govsocial.tenancy import indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("publishing", "0017_target_sender"),
    ]

    operations = [
        indexes_dropped(
            [
                migrations.AlterField(
                    model_name="post",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                )
            ],
            {"publishing_post_author_id_8991ad37": "publishing_post (author_id)"},
        )
    ]
