"""The posts pages and the composer, driven by the test client as a browser would (with
and without htmx): write, check each network, autosave, schedule in the viewer's time
zone, read a post's delivery."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostRevision, PostStatus, PostTarget, SocialAccount, TargetState
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import (
    MembershipFactory,
    publisher_for,
    social_account_for,
    uploaded_media_for,
)

pytestmark = pytest.mark.django_db

CJK_150 = "道" * 150


def _sunday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))


NEXT_YEAR = timezone.now().year + 1
# Toronto's clocks go forward on the second Sunday of March, back on the first of November.
SPRING_FORWARD = _sunday(NEXT_YEAR, 3, 2)
FALL_BACK = _sunday(NEXT_YEAR, 11, 1)
JANUARY_12_9AM = {"schedule_date": f"{NEXT_YEAR}-01-12", "schedule_time": "09:00"}


def accounts(personas: Personas) -> tuple[SocialAccount, SocialAccount]:
    x = social_account_for(personas.agency_a, handle="alpha_city")
    mastodon = social_account_for(
        personas.agency_a, network=Network.MASTODON, remote_id="m1", handle="alpha@social"
    )
    return x, mastodon


def compose(client: Client, url: str, **fields: Any) -> Any:
    data: dict[str, Any] = {"text": "Road closures this weekend.", "language": "en"} | fields
    return client.post(url, data)


def new_url() -> str:
    return reverse("post_new", args=["alpha"])


def edit_url(post: Post) -> str:
    return reverse("post_edit", args=["alpha", post.pk])


def scheduled_post(personas: Personas, client: Client, account: SocialAccount) -> Post:
    """Write a post for ``account`` and schedule it for 9:00 on 12 January next year."""
    compose(client, new_url(), accounts=[account.pk], action="save")
    post = only_post(personas)
    compose(client, edit_url(post), accounts=[account.pk], action="schedule", **JANUARY_12_9AM)
    return post


def only_post(personas: Personas) -> Post:
    with agency_scope(personas.agency_a.pk):
        return Post.objects.get()


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_composer_offers_only_the_accounts_the_person_may_publish_to(
    personas: Personas,
) -> None:
    theirs, other = accounts(personas)
    publisher_for(personas.agency_a, account=theirs, user=personas.author_a.user)
    page = text(personas.client_for(personas.author_a).get(new_url()))
    assert f'name="accounts" value="{theirs.pk}"' in page
    assert f'name="accounts" value="{other.pk}"' not in page
    refused = compose(
        personas.client_for(personas.author_a), new_url(), accounts=[other.pk], action="save"
    )
    assert refused.status_code == 400
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()


def test_only_authors_and_admins_are_shown_the_composer(personas: Personas) -> None:
    officer = MembershipFactory(agency=personas.agency_a, roles=[Role.RECORDS_OFFICER])
    client = personas.client_for(officer)
    assert client.get(new_url()).status_code == 403
    assert compose(client, new_url(), action="save").status_code == 403
    assert "Write a post" not in text(client.get(reverse("post_list", args=["alpha"])))
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()
    assert personas.client_for(personas.author_a).get(new_url()).status_code == 200


def test_a_post_is_written_then_scheduled_in_the_agencys_time_zone(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    saved = compose(client, new_url(), accounts=[x.pk, mastodon.pk], action="save")
    post = only_post(personas)
    assert saved.status_code == 302
    assert saved["Location"] == edit_url(post)
    day = date(NEXT_YEAR, 1, 12)
    scheduled = compose(
        client,
        edit_url(post),
        accounts=[x.pk, mastodon.pk],
        schedule_date=day.isoformat(),
        schedule_time="09:00",
        action="schedule",
    )
    assert scheduled.status_code == 302, text(scheduled)[:2000]
    post = only_post(personas)
    assert post.status == PostStatus.SCHEDULED
    # 9:00 in Toronto in January (UTC-5) is 14:00 UTC.
    assert post.scheduled_at == datetime(NEXT_YEAR, 1, 12, 14, 0, tzinfo=UTC)
    page = text(client.get(scheduled["Location"]))
    assert "Scheduled for" in page
    assert "9 a.m." in page
    assert "America/Toronto" in page


def test_publish_now_needs_no_time_and_schedules_the_post_for_this_moment(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    nowhere = compose(client, new_url(), action="publish_now")
    assert nowhere.status_code == 400
    assert "Choose at least one account to publish to." in text(nowhere)
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()  # nothing is saved while something is missing

    before = timezone.now()
    published = compose(client, new_url(), accounts=[x.pk], action="publish_now")

    assert published.status_code == 302, text(published)[:2000]
    post = only_post(personas)
    assert post.status == PostStatus.SCHEDULED
    assert post.scheduled_at is not None and before <= post.scheduled_at <= timezone.now()
    page = text(client.get(published["Location"]))
    assert "Publishing now: a link to the post on each network appears here once it is out." in page


def test_a_person_with_their_own_time_zone_reads_and_enters_times_in_it(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    reader = personas.admin_a.user
    User.objects.filter(pk=reader.pk).update(time_zone="Europe/Paris")
    client = personas.client_for(personas.admin_a)
    compose(client, new_url(), accounts=[x.pk], action="save")
    post = only_post(personas)
    compose(
        client,
        edit_url(post),
        accounts=[x.pk],
        schedule_date=f"{NEXT_YEAR}-07-01",
        schedule_time="15:00",
        action="schedule",
    )
    # 15:00 in Paris in summer (UTC+2) is 13:00 UTC, which is 9:00 in Toronto.
    assert only_post(personas).scheduled_at == datetime(NEXT_YEAR, 7, 1, 13, 0, tzinfo=UTC)
    listing = text(client.get(reverse("post_list", args=["alpha"])))
    assert "Europe/Paris" in listing
    assert "3 p.m." in listing
    torontonian = text(
        personas.client_for(personas.author_a).get(reverse("post_list", args=["alpha"]))
    )
    assert "9 a.m." in torontonian


def test_a_time_the_clocks_skip_is_refused_and_the_draft_is_kept(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    refused = compose(
        client,
        new_url(),
        accounts=[x.pk],
        schedule_date=SPRING_FORWARD.isoformat(),
        schedule_time="02:30",
        action="schedule",
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "does not exist in America/Toronto" in page
    assert 'href="#id_schedule_time"' in page
    post = only_post(personas)
    assert (post.status, post.text) == (PostStatus.DRAFT, "Road closures this weekend.")


def test_a_time_that_happens_twice_is_asked_about_then_taken(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    when = {"schedule_date": FALL_BACK.isoformat(), "schedule_time": "01:30"}
    asked = compose(client, new_url(), accounts=[x.pk], action="schedule", **when)
    assert asked.status_code == 400
    page = text(asked)
    assert "happens twice that night" in page
    assert 'name="schedule_fold" value="1"' in page
    post = only_post(personas)
    taken = compose(
        client, edit_url(post), accounts=[x.pk], action="schedule", schedule_fold="1", **when
    )
    assert taken.status_code == 302
    # The second 1:30, after the clocks went back, is at UTC-5.
    expected = datetime.combine(FALL_BACK, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=6, minutes=30
    )
    assert only_post(personas).scheduled_at == expected


def test_every_problem_is_shown_before_scheduling_with_a_link_to_its_field(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    asset = uploaded_media_for(personas.agency_a)
    client = personas.client_for(personas.admin_a)
    refused = compose(
        client,
        new_url(),
        text=CJK_150,
        accounts=[x.pk, mastodon.pk],
        attachments=[asset.pk],
        **{f"alt_{asset.pk}": ""},
        action="schedule",
        **JANUARY_12_9AM,
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "This post cannot be scheduled yet" in page
    assert "This text counts 300" in page
    assert page.count("Add alt text to closure-map.png") >= 2
    assert 'href="#id_text"' in page
    assert 'href="#composer-media"' in page
    assert only_post(personas).status == PostStatus.DRAFT


def test_the_check_counts_by_each_networks_rules_and_previews_each(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    answer = client.post(
        reverse("post_check", args=["alpha"]),
        {"text": CJK_150, "language": "en", "accounts": [x.pk, mastodon.pk]},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    page = text(answer)
    assert "X alpha_city: 300 of 280 characters — 20 too many" in page
    assert "Mastodon alpha@social: 150 of 500 characters" in page
    assert 'id="composer-previews" hx-swap-oob="true"' in page
    ready = 'Mastodon: alpha@social <span class="govsocial-count">150 of 500</span> — ready to go'
    assert ready in page
    assert "<html" not in page


def test_without_javascript_the_check_button_shows_the_counts_and_saves_nothing(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    page = text(compose(client, new_url(), text="Hello", accounts=[x.pk], action="check"))
    assert "X alpha_city: 5 of 280 characters" in page
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()


def test_autosave_creates_the_draft_then_saves_it_and_says_when(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    url = reverse("post_autosave", args=["alpha"])
    first = client.post(url, {"text": "Draft one", "language": "en", "accounts": [x.pk]})
    post = only_post(personas)
    assert "Draft saved at" in text(first)
    assert f'id="composer-post" value="{post.pk}" hx-swap-oob="true"' in text(first)
    assert first["HX-Push-Url"] == edit_url(post)
    second = client.post(
        url, {"post": post.pk, "text": "Draft two", "language": "en", "accounts": [x.pk]}
    )
    assert "Draft saved at" in text(second)
    assert "hx-swap-oob" not in text(second)
    assert only_post(personas).text == "Draft two"
    with agency_scope(personas.agency_a.pk):
        assert PostRevision.objects.filter(post=post).count() == 2


def test_autosave_leaves_a_scheduled_post_on_the_schedule(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    post = scheduled_post(personas, client, x)
    answer = client.post(
        reverse("post_autosave", args=["alpha"]),
        {"post": post.pk, "text": "Half-typed", "language": "en", "accounts": [x.pk]},
    )
    assert "only with the Save button" in text(answer)
    assert (only_post(personas).status, only_post(personas).text) == (
        PostStatus.SCHEDULED,
        "Road closures this weekend.",
    )


def test_saving_a_change_to_a_scheduled_post_takes_it_off_the_schedule(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    post = scheduled_post(personas, client, x)
    page = text(client.get(edit_url(post)))
    assert "Saving a change to what it says takes it off the schedule" in page
    assert f'value="{NEXT_YEAR}-01-12"' in page
    assert 'value="09:00"' in page
    compose(
        client, edit_url(post), text="Changed.", accounts=[x.pk], action="save", **JANUARY_12_9AM
    )
    assert only_post(personas).status == PostStatus.DRAFT
    with agency_scope(personas.agency_a.pk):
        assert PostTarget.objects.get(post=post).state == TargetState.DRAFT


def test_an_account_text_is_kept_apart_until_the_base_text_is_taken_again(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    own = {f"own_{x.pk}": "on", f"variant_{x.pk}": "Short for X."}
    compose(client, new_url(), accounts=[x.pk, mastodon.pk], action="save", **own)
    post = only_post(personas)
    with agency_scope(personas.agency_a.pk):
        assert PostTarget.objects.get(post=post, account=x).text == "Short for X."
        assert not PostTarget.objects.get(post=post, account=mastodon).has_own_text
    back = compose(client, edit_url(post), accounts=[x.pk, mastodon.pk], inherit=str(x.pk), **own)
    assert back["Location"] == f"{edit_url(post)}#account-{x.pk}"
    with agency_scope(personas.agency_a.pk):
        assert not PostTarget.objects.get(post=post, account=x).has_own_text


def test_a_posts_page_shows_each_accounts_delivery(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    compose(client, new_url(), accounts=[x.pk, mastodon.pk], action="save")
    post = only_post(personas)
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=post, account=x).update(
            state=TargetState.PUBLISHED, permalink="https://x.example/alpha_city/status/1"
        )
        PostTarget.objects.filter(post=post, account=mastodon).update(
            state=TargetState.FAILED, failure_reason="The instance refused the file."
        )
    page = text(client.get(reverse("post_detail", args=["alpha", post.pk])))
    assert 'href="https://x.example/alpha_city/status/1"' in page
    assert "The instance refused the file." in page
    assert "Edit or schedule" not in page


def test_the_list_filters_by_status_account_author_and_campaign(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    admin = personas.client_for(personas.admin_a)
    compose(admin, new_url(), text="Snow plan", accounts=[x.pk], campaign="Winter", action="save")
    compose(admin, new_url(), text="Pool hours", accounts=[mastodon.pk], action="save")
    listing = reverse("post_list", args=["alpha"])

    def shown(**filters: Any) -> set[str]:
        page = text(admin.get(listing, filters))
        return {t for t in ("Snow plan", "Pool hours") if t in page}

    assert shown() == {"Snow plan", "Pool hours"}
    assert shown(account=x.pk) == {"Snow plan"}
    assert shown(campaign="Winter") == {"Snow plan"}
    assert shown(status="scheduled") == set()
    assert shown(author=personas.admin_a.user.pk) == {"Snow plan", "Pool hours"}
    assert shown(author=personas.author_a.user.pk) == set()


def test_a_post_is_taken_off_the_schedule_from_its_page(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    post = scheduled_post(personas, client, x)
    detail = reverse("post_detail", args=["alpha", post.pk])
    assert "Take off the schedule" in text(client.get(detail))
    done = client.post(reverse("post_unschedule", args=["alpha", post.pk]), follow=True)
    assert "off the schedule, back to draft" in text(done)
    assert only_post(personas).status == PostStatus.DRAFT


def test_the_pages_carry_no_inline_script_or_style(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    compose(client, new_url(), accounts=[x.pk], action="save")
    post = only_post(personas)
    for url in (
        new_url(),
        edit_url(post),
        reverse("post_list", args=["alpha"]),
        reverse("post_detail", args=["alpha", post.pk]),
        reverse("media_list", args=["alpha"]),
    ):
        page = client.get(url).content.decode()
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None, url
        assert " style=" not in page, url
        assert re.search(r"\son[a-z]+=", page) is None, url


def test_the_header_leads_to_the_posts(personas: Personas) -> None:
    page = text(personas.client_for(personas.author_a).get(reverse("post_list", args=["alpha"])))
    assert f'href="{reverse("post_list", args=["alpha"])}" aria-current="page"' in page


def test_the_check_says_what_to_fix_before_it_can_count(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    answer = personas.client_for(personas.admin_a).post(
        reverse("post_check", args=["alpha"]),
        {"text": "Hello", "language": "en", "accounts": [x.pk], "link": "not an address"},
    )
    page = text(answer)
    assert "Fix these first to see the counts" in page
    assert 'href="#id_link"' in page


def test_an_error_about_the_accounts_leads_to_their_first_box(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    refused = compose(
        personas.client_for(personas.admin_a), new_url(), accounts=[x.pk + 1000], action="save"
    )
    assert refused.status_code == 400
    page = text(refused)
    assert 'href="#id_accounts_0"' in page
    assert 'id="id_accounts_0"' in page


def test_an_autosave_and_a_button_racing_on_one_page_make_one_post(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    page = client.get(new_url()).content.decode()
    found = re.search(r'name="draft_key" value="([0-9a-f-]{36})"', page)
    assert found is not None
    key = found.group(1)
    # The autosave writes the post; Schedule leaves before the page learns its id.
    client.post(
        reverse("post_autosave", args=["alpha"]),
        {"draft_key": key, "text": "Pools open", "language": "en", "accounts": [x.pk]},
    )
    scheduled = compose(
        client, new_url(), draft_key=key, accounts=[x.pk], action="schedule", **JANUARY_12_9AM
    )
    assert scheduled.status_code == 302
    post = only_post(personas)  # one post, not two
    assert post.status == PostStatus.SCHEDULED
    assert post.text == "Road closures this weekend."


def test_a_post_written_meanwhile_by_the_same_page_is_saved_over(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    key = "0b4f6c39-5d0e-4a53-9f25-1f1f1f1f1f1f"
    client.post(
        reverse("post_autosave", args=["alpha"]),
        {"draft_key": key, "text": "First", "language": "en", "accounts": [x.pk]},
    )
    # Its autosave committed just after this save looked for it: the key refuses a
    # second post, and the save goes over the first.
    with patch("publishing.views.posts._drafted", side_effect=[None, only_post(personas)]):
        saved = compose(client, new_url(), draft_key=key, accounts=[x.pk], action="save")
    assert saved.status_code == 302
    assert only_post(personas).text == "Road closures this weekend."


def test_schedule_on_an_empty_composer_says_all_that_is_missing_and_saves_nothing(
    personas: Personas,
) -> None:
    accounts(personas)
    client = personas.client_for(personas.admin_a)
    refused = client.post(new_url(), {"text": "", "language": "en", "action": "schedule"})
    assert refused.status_code == 400
    page = text(refused)
    for said in (
        "Choose at least one account to publish to.",
        "Write what the post says, or choose a file to publish.",
        "Enter the date to publish on.",
        "Enter the time to publish at.",
    ):
        assert said in page
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()


def test_a_past_time_and_an_overlong_text_are_both_said(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    yesterday = timezone.localdate() - timedelta(days=1)
    refused = compose(
        client,
        new_url(),
        text="Long " * 80,
        accounts=[x.pk],
        own_text=[],
        action="schedule",
        schedule_date=yesterday.isoformat(),
        schedule_time="09:00",
    )
    assert refused.status_code == 400
    page = text(refused)
    summary = page[page.index('id="composer-errors"') : page.index('<form id="composer"')]
    assert "That time has passed." in summary
    assert "X allows 280 characters" in summary
