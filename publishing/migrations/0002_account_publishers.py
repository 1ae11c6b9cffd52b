import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from govsocial.tenancy import agency_row_security


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_single_sign_on'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('publishing', '0001_social_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='socialaccount',
            options={'ordering': ['network', 'handle'], 'permissions': [('publish_to_socialaccount', 'Can publish to the network account')], 'verbose_name': 'network account', 'verbose_name_plural': 'network accounts'},
        ),
        migrations.CreateModel(
            name='SocialAccountPublisher',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='publishers', to='publishing.socialaccount')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'network account publisher',
                'verbose_name_plural': 'network account publishers',
                'abstract': False,
                'unique_together': {('user', 'permission', 'content_object')},
            },
        ),
        agency_row_security("publishing_socialaccountpublisher"),
    ]
