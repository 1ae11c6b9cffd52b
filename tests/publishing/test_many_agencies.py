"""What an agency's pages read grows neither with the other agencies sharing the
deployment nor with the agency's own years of posts: statements that step through an
agency's rows, or look up a page's, read those rows, whatever plan PostgreSQL's
statistics of the whole tables lead it to."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from accounts.models import Agency, User
from govsocial.tenancy import agency_scope
from publishing import selectors
from publishing.models import Post, PostTarget
from tests.conftest import scans_of
from tests.factories import UserFactory, social_account_for

# Agencies sharing the deployment, each with one author of this many posts, each post
# aimed at this many of its accounts.
AGENCIES = 12
POSTS = 150
TARGETS = 2


@pytest.fixture(scope="module")
def agencies(django_db_blocker: Any) -> list[tuple[Agency, User]]:
    """Commit the agencies, their authors, posts and targets, and have PostgreSQL gather
    the tables' statistics, as its autovacuum does. The rows stay: the test database is
    made afresh for each run."""
    made = []
    with django_db_blocker.unblock():
        for _ in range(AGENCIES):
            tag = uuid.uuid4().hex[:12]
            agency = Agency.objects.create(name=f"Agency {tag}", slug=f"many-{tag}")
            author = UserFactory(two_factor=False)
            accounts = [social_account_for(agency, handle=f"@{tag}{n}") for n in range(TARGETS)]
            with agency_scope(agency.pk):
                posts = Post.objects.bulk_create(
                    Post(agency=agency, author=author, text=f"Notice {n}") for n in range(POSTS)
                )
                PostTarget.objects.bulk_create(
                    PostTarget(agency=agency, post=post, account=account)
                    for post in posts
                    for account in accounts
                )
            made.append((agency, author))
        with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
            owner.execute("ANALYZE publishing_post, publishing_posttarget, accounts_user")
    return made


@contextmanager
def rows_read_from(table: str) -> Iterator[list[float]]:
    """Gather, for each statement run in the block that names ``table``, the most rows a
    scan of it read (kept and filtered out), as ``EXPLAIN ANALYZE`` of the statement,
    with its parameters, finds just before it runs."""
    read: list[float] = []

    def explained(execute: Callable[..., Any], sql: str, params: Any, *args: Any) -> Any:
        if table in sql:
            # The driver's own cursor: the scope is set, and the statement stays unseen.
            cursor = args[-1]["cursor"].cursor
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            (plan,) = cursor.fetchone()[0]
            read.append(max(rows for rows, _loops in scans_of(plan["Plan"], table)))
        return execute(sql, params, *args)

    with connection.execute_wrapper(explained):
        yield read


def test_the_filters_list_an_agencys_authors_reading_none_of_another_agencys_posts(
    agencies: list[tuple[Agency, User]], django_db_blocker: Any
) -> None:
    # The filters' list of authors steps from one author to the next through the posts'
    # index on (agency, author). With an index of the author alone beside it, the
    # planner took that one to look for the first agency's next author past its last:
    # it read every later author's posts, in every agency, on every page with the
    # filters.
    first, author = agencies[0]
    with (
        django_db_blocker.unblock(),
        agency_scope(first.pk),
        transaction.atomic(),
        rows_read_from("publishing_post") as read,
    ):
        assert selectors.post_filter_choices().authors == [(author.pk, author.name)]
    # Each step reads at most the row it finds: the agency's first author's first post,
    # then none past its last author, and none for its campaigns (it has no tags).
    assert read == [1]


def test_a_page_of_posts_reads_the_targets_of_its_posts_alone(
    agencies: list[tuple[Agency, User]], django_db_blocker: Any
) -> None:
    # A list's page of posts reads their targets in one statement. With the targets
    # indexed by agency alone, the planner read all of the agency's targets for a page,
    # more with each post the agency ever wrote.
    first, _author = agencies[0]
    with django_db_blocker.unblock(), agency_scope(first.pk), transaction.atomic():
        page = list(Post.objects.order_by("pk").values_list("pk", flat=True)[:10])
        with rows_read_from("publishing_posttarget") as read:
            rows = selectors.post_rows(post_ids=page)
    assert [len(row["targets"]) for row in rows] == [TARGETS] * len(page)
    assert read == [len(page) * TARGETS]
