"""What an agency's pages read does not grow with the other agencies sharing the
deployment: statements that step through an agency's rows keep to its own, whatever
plan PostgreSQL's statistics of the whole table lead it to."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from django.db import connection, transaction

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from publishing import selectors
from publishing.models import Post
from tests.factories import UserFactory

# Agencies sharing the deployment, each with one author of this many posts.
AGENCIES = 12
POSTS = 150


def scans_of_posts(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield each scan of the posts' table in ``plan``."""
    if plan.get("Relation Name") == "publishing_post":
        yield plan
    for inner in plan.get("Plans", []):
        yield from scans_of_posts(inner)


def test_the_filters_list_an_agencys_authors_reading_none_of_another_agencys_posts(
    django_db_blocker: Any,
) -> None:
    # The filters' list of authors steps from one author to the next through the posts'
    # index on (agency, author). With an index of the author alone beside it, and the
    # statistics of many agencies each written by its own people, the planner took that
    # one to look for the first agency's next author past its last: it read every later
    # author's posts, in every agency, on every page with the filters. The rows are
    # committed (the test database is made afresh for each run) so that PostgreSQL
    # gathers their statistics, as its autovacuum does.
    with django_db_blocker.unblock():
        agencies = []
        for _ in range(AGENCIES):
            tag = uuid.uuid4().hex[:12]
            agency = Agency.objects.create(name=f"Agency {tag}", slug=f"many-{tag}")
            author = UserFactory(two_factor=False)
            with agency_scope(agency.pk):
                Post.objects.bulk_create(
                    Post(agency=agency, author=author, text=f"Notice {n}") for n in range(POSTS)
                )
            agencies.append((agency, author))
        with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
            owner.execute("ANALYZE publishing_post, accounts_user")

        first, author = agencies[0]
        with agency_scope(first.pk), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {selectors._FILTER_CHOICES_SQL}",  # nosec B608
                {"agency": first.pk},
            )
            (plan,) = cursor.fetchone()[0]
            assert selectors.post_filter_choices().authors == [(author.pk, author.name)]

    read = [
        scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)
        for scan in scans_of_posts(plan["Plan"])
    ]
    # Each step reads at most the row it finds: the agency's first author's first post,
    # then none past its last author, and none for its campaigns (it has no tags).
    assert read and max(read) <= 1, read
