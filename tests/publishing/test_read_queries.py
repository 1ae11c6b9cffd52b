"""Reading posts takes as many queries for a full page as for a few: the post list and
one post through the API, and a month of the calendar through the API and on its page.
More posts, by more authors, on more accounts and with files, must not add queries;
another page size must not add a statement for the server to prepare."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import Post, SocialAccount
from tests.conftest import Personas, queries_of
from tests.factories import MembershipFactory, api_key_for, uploaded_media_for
from tests.publishing.calendar_helpers import NEXT_YEAR, mastodon_account, utc, x_account

pytestmark = pytest.mark.django_db

JUNE = date(NEXT_YEAR, 6, 1)


def write(
    personas: Personas,
    count: int,
    *,
    accounts: list[SocialAccount],
    author: User,
    with_file: bool = False,
) -> list[Post]:
    """Write ``count`` posts through the services, scheduled a day apart from June 1."""
    agency = personas.agency_a
    media = [uploaded_media_for(agency).pk] if with_file else []
    written = []
    with agency_scope(agency.pk):
        for n in range(count):
            post = services.post_create(
                agency=agency,
                actor=author,
                text=f"Road closure {n} this weekend.",
                account_ids=[a.pk for a in accounts],
                media_ids=media,
                campaign="Roads" if n % 2 else "",
            )
            at = utc(JUNE + timedelta(days=n % 28), 13, n % 60)
            written.append(services.post_schedule(post=post, actor=author, at=at))
    return written


def another_admin(personas: Personas) -> User:
    return MembershipFactory(agency=personas.agency_a, roles=[Role.ADMIN]).user


def key_client(personas: Personas) -> Client:
    _key, token = api_key_for(personas.agency_a)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_post_list_takes_as_many_queries_for_fifty_posts_as_for_five(
    personas: Personas,
) -> None:
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    write(personas, 5, accounts=[x], author=personas.admin_a.user)
    client = key_client(personas)
    url = reverse("post-list", args=["alpha"])
    few = queries_of(client, f"{url}?page_size=50")

    write(personas, 45, accounts=[x, mastodon], author=another_admin(personas), with_file=True)
    full = client.get(f"{url}?page_size=50").json()["results"]
    assert len(full) == 50
    assert all(post["targets"] for post in full)
    assert any(len(post["targets"]) == 2 and post["media"] for post in full)
    assert queries_of(client, f"{url}?page_size=50") == few
    assert queries_of(client, f"{url}?page_size=10") == few


def prepared() -> set[str]:
    """Return the statements this connection has prepared on the server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {statement for (statement,) in cursor.fetchall()}


def test_the_post_list_prepares_one_statement_of_targets_for_every_page_size(
    personas: Personas,
) -> None:
    # The page's ids go as one array: ids written into the statement made a statement
    # per page size, each parsed and planned afresh until it too was prepared.
    write(personas, 12, accounts=[x_account(personas.agency_a)], author=personas.admin_a.user)
    client = key_client(personas)
    url = reverse("post-list", args=["alpha"])
    before = prepared()
    for size in (3, 10) * 6:
        assert len(client.get(f"{url}?page_size={size}").json()["results"]) == size
    assert len([s for s in prepared() - before if "publishing_posttarget" in s]) == 1


def test_a_post_takes_as_many_queries_with_accounts_and_a_file_as_without(
    personas: Personas,
) -> None:
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    (plain,) = write(personas, 1, accounts=[x], author=personas.admin_a.user)
    (rich,) = write(
        personas, 1, accounts=[x, mastodon], author=another_admin(personas), with_file=True
    )
    client = key_client(personas)

    body = client.get(reverse("post-detail", args=["alpha", rich.pk])).json()
    assert len(body["targets"]) == 2 and len(body["media"]) == 1
    assert queries_of(client, reverse("post-detail", args=["alpha", rich.pk])) == queries_of(
        client, reverse("post-detail", args=["alpha", plain.pk])
    )


def test_the_calendar_api_takes_as_many_queries_for_a_busy_month_as_for_a_quiet_one(
    personas: Personas,
) -> None:
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    write(personas, 3, accounts=[x], author=personas.admin_a.user)
    client = key_client(personas)
    url = reverse("calendar-list", args=["alpha"])
    june = f"{url}?start={JUNE}T00:00:00%2B00:00&end={date(NEXT_YEAR, 7, 1)}T00:00:00%2B00:00"
    quiet = queries_of(client, june)

    write(personas, 40, accounts=[x, mastodon], author=another_admin(personas), with_file=True)
    assert len(client.get(june).json()["posts"]) == 43
    assert queries_of(client, june) == quiet


def test_the_calendar_page_takes_as_many_queries_for_a_busy_month_as_for_a_quiet_one(
    personas: Personas,
) -> None:
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    write(personas, 3, accounts=[x], author=personas.admin_a.user)
    client = personas.client_for(personas.admin_a)
    june = reverse("calendar", args=["alpha"]) + f"?view=month&date={JUNE}"
    quiet = queries_of(client, june)

    write(personas, 40, accounts=[x, mastodon], author=another_admin(personas), with_file=True)
    assert "43 posts" in client.get(june).content.decode()
    assert queries_of(client, june) == quiet
