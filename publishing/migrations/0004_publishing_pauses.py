import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from govsocial.tenancy import agency_row_security


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_single_sign_on'),
        ('publishing', '0003_posts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PausedAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='publishing.socialaccount')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
            ],
        ),
        migrations.CreateModel(
            name='PublishingPause',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(verbose_name='reason')),
                ('started_at', models.DateTimeField(auto_now_add=True)),
                ('until', models.DateTimeField(blank=True, null=True, verbose_name='until')),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('accounts', models.ManyToManyField(blank=True, related_name='+', through='publishing.PausedAccount', to='publishing.socialaccount')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('started_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'publishing pause',
                'verbose_name_plural': 'publishing pauses',
                'ordering': ['-started_at'],
            },
        ),
        migrations.AddField(
            model_name='pausedaccount',
            name='pause',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='publishing.publishingpause'),
        ),
        migrations.AddConstraint(
            model_name='pausedaccount',
            constraint=models.UniqueConstraint(fields=('pause', 'account'), name='paused_account_once'),
        ),
        agency_row_security("publishing_publishingpause"),
        agency_row_security("publishing_pausedaccount"),
    ]
