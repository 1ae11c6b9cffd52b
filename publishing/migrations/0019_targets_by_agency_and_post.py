"""Index the targets by agency and post rather than by agency alone: a page of posts' targets
was found by reading all of its agency's targets (``post_rows`` in
``publishing/selectors.py``)."""

from django.db import migrations, models

from govsocial.tenancy import agency_unindexed, indexes_dropped


class Migration(migrations.Migration):
    dependencies = [("publishing", "0018_author_found_by_agency")]

    operations = [
        migrations.AddIndex(
            model_name="posttarget",
            index=models.Index(fields=["agency", "post"], name="post_target_by_agency_post"),
        ),
        indexes_dropped(
            [agency_unindexed("posttarget")],
            {"publishing_posttarget_agency_id_1b2e6e88": "publishing_posttarget (agency_id)"},
        ),
    ]
