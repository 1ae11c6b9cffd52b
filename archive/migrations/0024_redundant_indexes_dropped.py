"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

from django.db import migrations

from govsocial.tenancy import agency_unindexed, indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_approval_reminders"),
        ("archive", "0023_small_content_in_the_database"),
    ]

    operations = [
        indexes_dropped(
            [
                agency_unindexed("archivecontent"),
                agency_unindexed("archivecontentbytes"),
                agency_unindexed("archivecontenterasure"),
                agency_unindexed("archiveevent"),
                agency_unindexed("archivehead"),
                agency_unindexed("archiveleaf"),
                agency_unindexed("archivesubtree"),
                agency_unindexed("holiday"),
                agency_unindexed("recordsrequest"),
                agency_unindexed("retentionschedule"),
            ],
            {
                "archive_archivecontent_agency_id_2420aea1": "archive_archivecontent (agency_id)",
                "archive_archivecontentbytes_agency_id_0dc1f9d0": "archive_archivecontentbytes (agency_id)",
                "archive_archivecontenterasure_agency_id_5f4d91e8": "archive_archivecontenterasure (agency_id)",
                "archive_archiveevent_agency_id_ccaab7a6": "archive_archiveevent (agency_id)",
                "archive_archivehead_agency_id_9146c4cb": "archive_archivehead (agency_id)",
                "archive_archiveleaf_agency_id_feb8cb75": "archive_archiveleaf (agency_id)",
                "archive_archivesubtree_agency_id_9c34bd10": "archive_archivesubtree (agency_id)",
                "archive_holiday_agency_id_1812f44a": "archive_holiday (agency_id)",
                "archive_recordsrequest_agency_id_31cc994e": "archive_recordsrequest (agency_id)",
                "archive_retentionschedule_agency_id_f176033d": "archive_retentionschedule (agency_id)",
            },
        ),
    ]
