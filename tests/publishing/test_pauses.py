"""A crisis pause holds every waiting post of the agency (or of some accounts) at once,
and resuming puts them back, with a choice for the ones whose time passed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from govsocial.timezones import local_to_utc
from publishing import services
from publishing.models import Post, PostStatus, PostTarget, PublishingPause, TargetState
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import post_for, post_target_for, social_account_for

pytestmark = pytest.mark.django_db

SOON = timedelta(hours=2)


def _waiting(personas: Personas, account: object = None, *, due: timedelta = SOON) -> PostTarget:
    """Store a post of agency A waiting to go out at now + ``due``."""
    post = post_for(personas.agency_a, status=PostStatus.SCHEDULED)
    fields = {"account": account} if account else {}
    return post_target_for(
        personas.agency_a,
        post=post,
        state=TargetState.SCHEDULED,
        next_attempt_at=timezone.now() + due,
        **fields,
    )


def _state(personas: Personas, target: PostTarget) -> tuple[str, str]:
    with agency_scope(personas.agency_a.pk):
        fresh = PostTarget.objects.select_related("post").get(pk=target.pk)
        return fresh.state, fresh.post.status


def _pause(personas: Personas, **fields: object) -> PublishingPause:
    with agency_scope(personas.agency_a.pk):
        return services.pause_start(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            reason="Flood emergency: all channels for safety messages only.",
            **fields,  # type: ignore[arg-type]
        )


def _resume(personas: Personas, pause: PublishingPause, *, overdue_now: bool) -> None:
    with agency_scope(personas.agency_a.pk):
        services.pause_end(pause=pause, actor=personas.admin_a.user, overdue_now=overdue_now)


def test_a_pause_holds_every_waiting_post_of_the_agency_and_fails_none(
    personas: Personas,
) -> None:
    first, second = _waiting(personas), _waiting(personas)
    other_agency = post_target_for(
        personas.agency_b, state=TargetState.SCHEDULED, next_attempt_at=timezone.now() + SOON
    )
    _pause(personas)
    assert _state(personas, first) == (TargetState.HELD, PostStatus.HELD)
    assert _state(personas, second) == (TargetState.HELD, PostStatus.HELD)
    with agency_scope(personas.agency_b.pk):
        assert PostTarget.objects.get(pk=other_agency.pk).state == TargetState.SCHEDULED
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="publishing.paused")
    assert event.data["targets_held"] == 2 and event.data["accounts"] == "all"


def test_a_pause_of_one_account_holds_only_that_accounts_posts(personas: Personas) -> None:
    paused_account = social_account_for(personas.agency_a, remote_id="1")
    free_account = social_account_for(personas.agency_a, remote_id="2")
    held, free = _waiting(personas, paused_account), _waiting(personas, free_account)
    _pause(personas, accounts=[paused_account])
    assert _state(personas, held)[0] == TargetState.HELD
    assert _state(personas, free)[0] == TargetState.SCHEDULED


def test_resuming_puts_future_posts_back_and_keeps_overdue_ones_held_when_asked(
    personas: Personas,
) -> None:
    later = _waiting(personas)
    overdue = _waiting(personas, due=timedelta(minutes=1))
    pause = _pause(personas)
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(pk=overdue.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=5)
        )
    _resume(personas, pause, overdue_now=False)
    assert _state(personas, later) == (TargetState.SCHEDULED, PostStatus.SCHEDULED)
    assert _state(personas, overdue) == (TargetState.HELD, PostStatus.HELD)


def test_resuming_can_send_overdue_posts_now(personas: Personas) -> None:
    overdue = _waiting(personas, due=timedelta(minutes=1))
    pause = _pause(personas)
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(pk=overdue.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=5)
        )
    _resume(personas, pause, overdue_now=True)
    with agency_scope(personas.agency_a.pk):
        target = PostTarget.objects.get(pk=overdue.pk)
    assert target.state == TargetState.SCHEDULED
    assert target.next_attempt_at is not None
    assert abs(target.next_attempt_at - timezone.now()) < timedelta(seconds=30)


def test_ending_one_pause_keeps_posts_another_pause_still_holds(personas: Personas) -> None:
    account = social_account_for(personas.agency_a)
    target = _waiting(personas, account)
    narrow = _pause(personas, accounts=[account])
    everything = _pause(personas)
    _resume(personas, narrow, overdue_now=True)
    assert _state(personas, target)[0] == TargetState.HELD
    _resume(personas, everything, overdue_now=True)
    assert _state(personas, target)[0] == TargetState.SCHEDULED


def test_only_admins_pause_and_a_reason_is_required(personas: Personas) -> None:
    with agency_scope(personas.agency_a.pk):
        with pytest.raises(PermissionDenied):
            services.pause_start(
                agency=personas.agency_a, actor=personas.author_a.user, reason="No."
            )
        with pytest.raises(GovsocialError, match="Say why"):
            services.pause_start(agency=personas.agency_a, actor=personas.admin_a.user, reason=" ")
        with pytest.raises(GovsocialError, match="future"):
            services.pause_start(
                agency=personas.agency_a,
                actor=personas.admin_a.user,
                reason="Storm.",
                until=timezone.now() - timedelta(minutes=1),
            )


def test_a_pause_whose_time_is_up_ends_and_keeps_overdue_posts_held(
    personas: Personas,
) -> None:
    overdue = _waiting(personas, due=timedelta(minutes=1))
    later = _waiting(personas, due=timedelta(days=1))
    pause = _pause(personas, until=timezone.now() + timedelta(minutes=30))
    with agency_scope(personas.agency_a.pk):
        PublishingPause.objects.filter(pk=pause.pk).update(
            until=timezone.now() - timedelta(seconds=1)
        )
        PostTarget.objects.filter(pk=overdue.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=1)
        )
        (ended,) = services.pauses_expire(agency=personas.agency_a)
    assert ended.ended_at is not None and ended.ended_by is None
    assert _state(personas, overdue)[0] == TargetState.HELD
    assert _state(personas, later)[0] == TargetState.SCHEDULED


def test_every_page_of_the_agency_shows_the_pause_and_an_admin_resumes_it(
    personas: Personas,
) -> None:
    target = _waiting(personas)
    admin = personas.client_for(personas.admin_a)
    url = reverse("pause_page", args=["alpha"])
    started = admin.post(url, {"reason": "Election blackout.", "until": ""})
    assert started.status_code == 302
    home = personas.client_for(personas.author_a).get(reverse("agency_home", args=["alpha"]))
    assert "Publishing is paused" in home.content.decode()
    assert "Election blackout." in home.content.decode()
    other = personas.client_for(personas.admin_b).get(reverse("agency_home", args=["beta"]))
    assert "Publishing is paused" not in other.content.decode()
    with agency_scope(personas.agency_a.pk):
        pause = PublishingPause.objects.get()
    admin.post(reverse("pause_resume", args=["alpha", pause.pk]), {"overdue": "held"})
    assert _state(personas, target)[0] == TargetState.SCHEDULED
    home = personas.client_for(personas.author_a).get(reverse("agency_home", args=["alpha"]))
    assert "Publishing is paused" not in home.content.decode()


def test_the_banner_names_the_accounts_each_pause_holds_the_newest_first(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    x = social_account_for(agency, handle="<b>city</b>", remote_id="1")
    mastodon = social_account_for(
        agency, network=Network.MASTODON, handle="city@social", remote_id="city@social"
    )
    social_account_for(agency, handle="alpha_free", remote_id="3")
    _pause(personas, accounts=[mastodon, x])
    with agency_scope(agency.pk):
        services.pause_start(
            agency=agency, actor=personas.admin_a.user, reason="Storm: every account."
        )
    page = personas.client_for(personas.author_a).get(reverse("agency_home", args=["alpha"]))
    banner = re.sub(r"\s+", " ", page.content.decode())
    newest = banner.index("Every account. Storm: every account.")
    named = banner.index("Mastodon city@social, X &lt;b&gt;city&lt;/b&gt; Flood emergency")
    assert newest < named and "alpha_free" not in banner


def test_the_pause_page_takes_its_end_in_the_agencys_time_zone(personas: Personas) -> None:
    personas.agency_a.time_zone = "America/Toronto"
    personas.agency_a.save(update_fields=["time_zone"])
    next_year = timezone.now().year + 1
    admin = personas.client_for(personas.admin_a)
    url = reverse("pause_page", args=["alpha"])
    admin.post(url, {"reason": "Storm.", "until": f"{next_year}-07-01T09:00"})
    with agency_scope(personas.agency_a.pk):
        pause = PublishingPause.objects.get()
    assert pause.until == datetime.fromisoformat(f"{next_year}-07-01T13:00+00:00")


def test_local_times_the_clocks_skip_or_repeat_are_refused() -> None:
    zone = "America/Toronto"
    assert local_to_utc(datetime(2026, 1, 15, 9, 0), zone) == datetime.fromisoformat(
        "2026-01-15T14:00+00:00"
    )
    with pytest.raises(GovsocialError, match="does not exist"):
        local_to_utc(datetime(2026, 3, 8, 2, 30), zone)
    with pytest.raises(GovsocialError, match="happens twice"):
        local_to_utc(datetime(2026, 11, 1, 1, 30), zone)


def test_the_api_pauses_some_accounts_and_resumes(personas: Personas) -> None:
    account = social_account_for(personas.agency_a)
    target = _waiting(personas, account)
    admin = personas.client_for(personas.admin_a)
    url = reverse("pause-list", args=["alpha"])
    unknown = admin.post(
        url, {"reason": "Storm.", "account_ids": [999999]}, content_type="application/json"
    )
    assert unknown.status_code == 400
    created = admin.post(
        url, {"reason": "Storm.", "account_ids": [account.pk]}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["accounts"] == [account.pk]
    assert _state(personas, target)[0] == TargetState.HELD
    resume = reverse("pause-resume", args=["alpha", created.json()["id"]])
    assert (
        personas.client_for(personas.author_a)
        .post(resume, content_type="application/json")
        .status_code
        == 403
    )
    resumed = admin.post(resume, {"overdue_now": False}, content_type="application/json")
    assert resumed.status_code == 200
    assert _state(personas, target)[0] == TargetState.SCHEDULED
    assert admin.get(url).json()["results"] == []
    with agency_scope(personas.agency_a.pk):
        assert Post.objects.get(pk=target.post_id).status == PostStatus.SCHEDULED
