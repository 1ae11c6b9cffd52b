"""Finding posts by their words, and acting on several at once: the posts page and the
calendar's list search the text (each account's own text too) and let authors tick
posts to move them to a day, take them off the schedule, or delete the drafts among
them; each post on its own, each refusal said with its post."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import Post, PostStatus, TargetState
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for
from tests.publishing.calendar_helpers import (
    NEXT_YEAR,
    exists,
    page_text,
    reload,
    scheduled,
    utc,
    x_account,
)

pytestmark = pytest.mark.django_db

ACT = reverse("posts_act", args=["alpha"])
POSTS = reverse("post_list", args=["alpha"])


def test_the_posts_page_and_the_api_find_posts_by_their_words_or_an_accounts_own_text(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, other = x_account(personas.agency_a), x_account(personas.agency_a, "alpha_parks")
    pools = scheduled(personas.agency_a, admin, [x], None, text="The POOLS open at nine.")
    own = scheduled(
        personas.agency_a,
        admin,
        [x, other],
        None,
        text="Summer hours.",
        variants={other.pk: "Parks and pools: summer hours."},
    )
    scheduled(personas.agency_a, admin, [x], None, text="Road closures this weekend.")

    page = page_text(personas.client_for(personas.admin_a).get(POSTS, {"text": "pools"}))

    assert "The POOLS open at nine." in page and "Summer hours." in page
    assert "Road closures" not in page
    assert 'type="search" name="text"' in page and 'value="pools"' in page
    _key, token = api_key_for(personas.agency_a)
    listed = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(
        reverse("post-list", args=["alpha"]), {"text": "Pools"}
    )
    assert sorted(p["id"] for p in listed.json()["results"]) == sorted([pools.pk, own.pk])


def test_ticked_posts_move_to_a_day_each_at_its_own_time_and_a_refusal_names_its_post(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    day = date(NEXT_YEAR, 6, 2)
    # 9:00 and 14:30 in Toronto (UTC-4 in June).
    morning = scheduled(personas.agency_a, admin, [x], utc(day, 13), text="Morning")
    afternoon = scheduled(personas.agency_a, admin, [x], utc(day, 18, 30), text="Afternoon")
    draft = scheduled(personas.agency_a, admin, [x], None, text="A draft with no time")
    client = personas.client_for(personas.admin_a)
    page = page_text(client.get(POSTS))
    assert 'form="posts-chosen"' in page and "Act on several posts" in page

    moved = client.post(
        ACT,
        {
            "action": "move",
            "schedule_date": f"{NEXT_YEAR}-06-05",
            "posts": [morning.pk, afternoon.pk, draft.pk],
            "next": POSTS + "?status=scheduled",
        },
        follow=True,
    )

    assert moved.redirect_chain[-1][0] == POSTS + "?status=scheduled"
    shown = page_text(moved)
    assert "2 posts moved to" in shown
    assert "“A draft with no time”: Enter the time to publish at." in shown
    new_day = date(NEXT_YEAR, 6, 5)
    assert reload(morning).scheduled_at == utc(new_day, 13)
    assert reload(afternoon).scheduled_at == utc(new_day, 18, 30)
    assert reload(draft).status == PostStatus.DRAFT


def test_a_post_and_its_translation_ticked_together_leave_the_schedule_once(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    post = scheduled(personas.agency_a, admin, [x], None, text="Pools open.")
    with agency_scope(personas.agency_a.pk):
        translation = services.post_translation_add(post=reload(post), actor=admin)
        services.post_update(
            post=reload(translation),
            actor=admin,
            text="Les piscines ouvrent.",
            link="",
            campaign="",
            account_ids=[x.pk],
            variants={},
            media=[],
        )
        services.post_schedule(post=reload(post), actor=admin, at=utc(date(NEXT_YEAR, 6, 2), 13))
    client = personas.client_for(personas.admin_a)

    done = client.post(
        ACT, {"action": "unschedule", "posts": [post.pk, translation.pk]}, follow=True
    )

    shown = page_text(done)
    assert "2 posts taken off the schedule, back to draft." in shown
    assert "not on the schedule" not in shown
    assert reload(post).status == reload(translation).status == PostStatus.DRAFT
    with agency_scope(personas.agency_a.pk):
        assert not reload(post).targets.filter(state=TargetState.SCHEDULED).exists()


def test_deleting_ticked_posts_asks_first_and_deletes_only_the_drafts(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    first = scheduled(personas.agency_a, admin, [x], None, text="First draft")
    second = scheduled(personas.agency_a, admin, [x], None, text="Second draft")
    on_schedule = scheduled(
        personas.agency_a, admin, [x], utc(date(NEXT_YEAR, 6, 2), 13), text="Going out"
    )
    client = personas.client_for(personas.admin_a)
    ticked = [first.pk, second.pk, on_schedule.pk]

    asked = page_text(client.post(ACT, {"action": "delete", "posts": ticked, "next": POSTS}))

    assert "Delete the 2 ticked drafts?" in asked
    assert "First draft" in asked and "Second draft" in asked
    assert "1 ticked post is not a draft and stays as it is." in asked
    assert exists(first) and exists(second)

    deleted = client.post(
        ACT,
        {"action": "delete", "confirmed": "1", "posts": [first.pk, second.pk], "next": POSTS},
        follow=True,
    )

    assert "2 drafts deleted. The archive keeps a record of them." in page_text(deleted)
    assert not exists(first) and not exists(second)
    assert exists(on_schedule)
    with agency_scope(personas.agency_a.pk):
        assert ArchiveEvent.objects.filter(verb="post.deleted").count() == 2


def test_another_agencys_post_cannot_be_ticked_and_readers_cannot_act(
    personas: Personas,
) -> None:
    theirs = scheduled(
        personas.agency_b,
        personas.admin_b.user,
        [x_account(personas.agency_b, "beta_city")],
        None,
        text="Beta's draft",
    )
    client = personas.client_for(personas.admin_a)

    answer = client.post(
        ACT, {"action": "delete", "confirmed": "1", "posts": [theirs.pk]}, follow=True
    )

    assert "1 ticked post no longer exists." in page_text(answer)
    with agency_scope(personas.agency_b.pk):
        assert Post.objects.filter(pk=theirs.pk).exists()
    viewer = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER])
    reader = personas.client_for(viewer)
    assert reader.post(ACT, {"action": "delete", "posts": [theirs.pk]}).status_code == 403
    assert 'form="posts-chosen"' not in page_text(reader.get(POSTS))


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"action": "unschedule"}, "Tick the posts to act on."),
        ({"action": "move", "posts": ["1"]}, "Enter the date to move the posts to."),
        ({"action": "unschedule", "posts": ["one"]}, "Tick the posts in the list."),
        ({"action": "publish", "posts": ["1"]}, "Select a valid choice."),
        ({"action": "unschedule", "posts": [str(n) for n in range(101)]}, "at most 100 posts"),
    ],
)
def test_a_wrong_choice_is_said_and_changes_nothing(
    personas: Personas, data: dict[str, object], said: str
) -> None:
    answer = personas.client_for(personas.admin_a).post(ACT, data, follow=True)
    assert answer.redirect_chain[-1][0] == POSTS
    assert said in page_text(answer)


def test_the_calendars_list_lets_authors_tick_its_posts_and_the_month_does_not(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    post = scheduled(personas.agency_a, admin, [x], utc(date(NEXT_YEAR, 6, 2), 13))
    client = personas.client_for(personas.admin_a)
    calendar = reverse("calendar", args=["alpha"])

    listed = page_text(client.get(calendar, {"view": "list", "date": f"{NEXT_YEAR}-06-02"}))
    month = page_text(client.get(calendar, {"date": f"{NEXT_YEAR}-06-02"}))

    assert f'name="posts" value="{post.pk}"' in listed and "Act on several posts" in listed
    assert 'name="posts"' not in month
    found = page_text(
        client.get(calendar, {"view": "list", "date": f"{NEXT_YEAR}-06-02", "text": "closures"})
    )
    assert "Road closures" in found
    missed = page_text(
        client.get(calendar, {"view": "list", "date": f"{NEXT_YEAR}-06-02", "text": "pools"})
    )
    assert "Road closures" not in missed
