"""A post's page follows its delivery while it goes out: it asks every few seconds, is
answered only when something changed, shows each account's state and link as they
come, tells screen readers how far it got, and stops asking once nothing is under
way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from govsocial.tenancy import agency_scope
from publishing.models import Post, PostTarget, TargetState
from tests.conftest import Personas
from tests.factories import scheduled_post_for, social_account_for

pytestmark = pytest.mark.django_db


def _post_going_out(personas: Personas, *, at_offset: timedelta = timedelta()) -> Post:
    x = social_account_for(personas.agency_a, handle="alpha_city")
    mastodon = social_account_for(personas.agency_a, network="mastodon", handle="alpha@social")
    return scheduled_post_for(personas.agency_a, [x, mastodon], at=timezone.now() + at_offset)


def _set(post: Post, handle: str, **fields: object) -> None:
    with agency_scope(post.agency_id):
        PostTarget.objects.filter(post=post, account__handle=handle).update(**fields)


def _polling_url(page: str) -> str | None:
    found = re.search(r'id="post-delivery" hx-get="([^"]+)" hx-trigger="every 3s"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_page_of_a_post_going_out_follows_its_delivery_until_it_is_done(
    personas: Personas,
) -> None:
    post = _post_going_out(personas)
    client = personas.client_for(personas.author_a)
    _set(post, "alpha_city", state=TargetState.SENDING)

    page = client.get(reverse("post_detail", args=["alpha", post.pk])).content.decode()
    polling = _polling_url(page)
    assert polling is not None
    assert '<p id="post-delivery-progress" class="usa-sr-only" role="status"></p>' in page

    # Nothing changed: nothing to swap.
    assert client.get(polling).status_code == 204

    _set(
        post,
        "alpha_city",
        state=TargetState.PUBLISHED,
        next_attempt_at=None,
        remote_id="19",
        permalink="https://x.example/alpha_city/status/19",
    )
    changed = client.get(polling)
    assert changed.status_code == 200
    fragment = changed.content.decode()
    assert 'href="https://x.example/alpha_city/status/19"' in fragment
    assert "Published on 1 of 2 accounts." in fragment
    # The Mastodon target is still due now: the page keeps following.
    assert _polling_url(fragment) not in (None, polling)

    _set(post, "alpha@social", state=TargetState.FAILED, next_attempt_at=None)
    done = client.get(_polling_url(fragment) or "").content.decode()
    assert "Published on 1 of 2 accounts. 1 failed." in done
    assert _polling_url(done) is None


def test_the_page_of_a_post_scheduled_for_later_does_not_ask_again(personas: Personas) -> None:
    post = _post_going_out(personas, at_offset=timedelta(days=1))

    page = personas.client_for(personas.author_a).get(
        reverse("post_detail", args=["alpha", post.pk])
    )

    assert 'id="post-delivery"' in page.content.decode()
    assert _polling_url(page.content.decode()) is None
