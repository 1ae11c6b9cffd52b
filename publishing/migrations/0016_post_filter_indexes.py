"""Index posts by agency and author, and by agency and campaign: the filters' lists step
through them (``post_filter_choices``)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_redundant_indexes_dropped'),
        ('publishing', '0015_redundant_indexes_dropped'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['agency', 'author'], name='publishing__agency__82633c_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['agency', 'campaign'], name='publishing__agency__02a78b_idx'),
        ),
    ]
