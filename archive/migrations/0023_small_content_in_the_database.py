"""Small kept content lives in the database: the bytes of a content of at most
``SMALL_CONTENT`` bytes (every document, most images) go to ``ArchiveContentBytes``,
inserted with its ``ArchiveContent`` row, rather than to a file each. A file cost an inode
and its directory's update on every content kept (most of what storing an inbox item
took), and a package opened them one by one. Content kept before stays in its file; the
readers look in the table first. Rows are deleted only when their content is erased, as
files are, so the app role keeps DELETE on this table; an UPDATE or a TRUNCATE is
refused, to the table's owner too.
"""

import django.db.models.deletion
from django.db import migrations, models

from archive.migrations._append_only import refused_changes
from govsocial.tenancy import agency_row_security


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_approval_reminders'),
        ('archive', '0022_search_found_by_time'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArchiveContentBytes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sha256', models.CharField(max_length=64)),
                ('body', models.BinaryField()),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
            ],
            options={
                'verbose_name': 'kept bytes',
                'verbose_name_plural': 'kept bytes',
                'constraints': [models.UniqueConstraint(fields=('agency', 'sha256'), name='archive_content_bytes_once')],
            },
        ),
        agency_row_security("archive_archivecontentbytes"),
        refused_changes("archive_archivecontentbytes", deletes=False),
    ]
