"""Each send's worker's proof of life, and when that worker was found gone: a dead
worker's sends are looked for on the network as soon as it is known dead
(``publishing.liveness``). Nullable columns: adding them rewrites no row."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0016_post_filter_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='posttarget',
            name='sender',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='posttarget',
            name='sender_gone_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
