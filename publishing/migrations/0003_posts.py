import django.db.models.deletion
import publishing.models.posts
from django.conf import settings
from django.db import migrations, models

from govsocial.tenancy import agency_row_security


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_single_sign_on'),
        ('publishing', '0002_account_publishers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MediaAsset',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(upload_to=publishing.models.posts.media_path)),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('mime_type', models.CharField(max_length=100)),
                ('size_bytes', models.PositiveBigIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('alt_text', models.TextField(blank=True, verbose_name='alt text')),
                ('alt_text_fr', models.TextField(blank=True, verbose_name='alt text (French)')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'media file',
                'verbose_name_plural': 'media files',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Post',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('approved', 'Approved'), ('scheduled', 'Scheduled'), ('held', 'Held'), ('publishing', 'Publishing'), ('published', 'Published'), ('failed', 'Failed')], default='draft', max_length=16, verbose_name='status')),
                ('text', models.TextField(blank=True, verbose_name='text')),
                ('link', models.URLField(blank=True, max_length=2000, verbose_name='link')),
                ('language', models.CharField(default='en', max_length=8, verbose_name='language')),
                ('campaign', models.CharField(blank=True, max_length=100, verbose_name='campaign')),
                ('scheduled_at', models.DateTimeField(blank=True, null=True, verbose_name='scheduled for')),
                ('approved_hash', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('translation', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='publishing.post')),
            ],
            options={
                'verbose_name': 'post',
                'verbose_name_plural': 'posts',
            },
        ),
        migrations.CreateModel(
            name='PostMedia',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('asset', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='publishing.mediaasset')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='media', to='publishing.post')),
            ],
            options={
                'ordering': ['post', 'position'],
            },
        ),
        migrations.CreateModel(
            name='PostRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('content', models.JSONField()),
                ('content_hash', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='publishing.post')),
            ],
            options={
                'ordering': ['post', '-number'],
            },
        ),
        migrations.CreateModel(
            name='PostTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('has_own_text', models.BooleanField(default=False)),
                ('text', models.TextField(blank=True, verbose_name='text for this account')),
                ('first_comment', models.TextField(blank=True, verbose_name='first comment')),
                ('state', models.CharField(choices=[('draft', 'Not scheduled'), ('scheduled', 'Scheduled'), ('held', 'Held'), ('queued', 'Queued'), ('sending', 'Sending'), ('retry_wait', 'Waiting to retry'), ('unconfirmed', 'Checking with the network'), ('published', 'Published'), ('failed', 'Failed'), ('deleted', 'Deleted from the network')], default='draft', max_length=16, verbose_name='state')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('content_hash', models.CharField(blank=True, max_length=64)),
                ('sending_at', models.DateTimeField(blank=True, null=True)),
                ('remote_id', models.CharField(blank=True, max_length=255)),
                ('permalink', models.URLField(blank=True, max_length=2000)),
                ('published_at', models.DateTimeField(blank=True, null=True)),
                ('failure_reason', models.TextField(blank=True)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='publishing.socialaccount')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='publishing.post')),
            ],
            options={
                'verbose_name': 'post target',
                'verbose_name_plural': 'post targets',
            },
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['agency', 'scheduled_at'], name='publishing__agency__128e6d_idx'),
        ),
        migrations.AddConstraint(
            model_name='postmedia',
            constraint=models.UniqueConstraint(fields=('post', 'position'), name='post_media_position_once'),
        ),
        migrations.AddConstraint(
            model_name='postrevision',
            constraint=models.UniqueConstraint(fields=('post', 'number'), name='post_revision_number_once'),
        ),
        migrations.AddIndex(
            model_name='posttarget',
            index=models.Index(condition=models.Q(('state__in', ['scheduled', 'retry_wait', 'unconfirmed'])), fields=['next_attempt_at'], name='post_target_due'),
        ),
        migrations.AddConstraint(
            model_name='posttarget',
            constraint=models.UniqueConstraint(fields=('post', 'account'), name='post_target_once_per_account'),
        ),
        agency_row_security("publishing_mediaasset"),
        agency_row_security("publishing_post"),
        agency_row_security("publishing_postmedia"),
        agency_row_security("publishing_postrevision"),
        agency_row_security("publishing_posttarget"),
    ]
