"""Queue slots: admins set each account's weekly times (in the agency's zone); "Add to
queue" schedules a draft at the earliest of them free on every account of the post,
through the scheduling rules, right across a daylight-saving change."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import Post, PostStatus, QueueSlot, SocialAccount, Weekday
from tests.conftest import Personas
from tests.publishing.calendar_helpers import (
    NEXT_YEAR,
    SPRING_FORWARD,
    mastodon_account,
    page_text,
    reload,
    scheduled,
    utc,
    x_account,
)

pytestmark = pytest.mark.django_db

WEEKDAYS_9_AND_14 = [(day, t) for day in range(5) for t in (time(9), time(14))]


def set_slots(personas: Personas, account: SocialAccount, slots: list[tuple[int, time]]) -> None:
    with agency_scope(personas.agency_a.pk):
        services.queue_slots_set(account=account, actor=personas.admin_a.user, slots=slots)


def queue(personas: Personas, post: Post, actor: User, not_before: datetime) -> Post:
    with agency_scope(personas.agency_a.pk):
        post = Post.objects.select_related("agency").get(pk=post.pk)
        return services.post_add_to_queue(post=post, actor=actor, not_before=not_before)


def local(day: date, hour: int) -> datetime:
    """Return ``hour``:00 on ``day`` in Toronto in winter (EST, UTC-5), as UTC."""
    return utc(day, hour + 5)


def test_a_draft_goes_to_the_next_slot_after_the_change_at_its_local_time(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    set_slots(personas, x, WEEKDAYS_9_AND_14)
    friday = SPRING_FORWARD - timedelta(days=2)
    draft = scheduled(personas.agency_a, admin, [x], None)
    # Friday 15:00 EST: the Friday slots have passed; the next is Monday 9:00, in EDT.
    post = queue(personas, draft, admin, local(friday, 15))
    monday = SPRING_FORWARD + timedelta(days=1)
    assert post.scheduled_at == utc(monday, 13)
    assert reload(post).status == PostStatus.SCHEDULED
    with agency_scope(personas.agency_a.pk):
        verbs = list(
            ArchiveEvent.objects.filter(object_id=str(post.pk))
            .order_by("id")
            .values_list("verb", flat=True)
        )
    assert verbs[-2:] == ["post.scheduled", "post.queued"]


def test_a_slot_another_post_of_the_account_holds_is_skipped(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    set_slots(personas, x, WEEKDAYS_9_AND_14)
    monday = date(NEXT_YEAR, 1, 11)
    scheduled(personas.agency_a, admin, [x], local(monday, 9), text="Already there")
    first = queue(personas, scheduled(personas.agency_a, admin, [x], None), admin, local(monday, 7))
    second = queue(
        personas, scheduled(personas.agency_a, admin, [x], None), admin, local(monday, 7)
    )
    assert first.scheduled_at == local(monday, 14)
    assert second.scheduled_at == local(monday + timedelta(days=1), 9)


def test_a_post_for_several_accounts_waits_for_a_slot_free_on_all_of_them(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    set_slots(personas, x, WEEKDAYS_9_AND_14)
    set_slots(personas, mastodon, [(Weekday.MONDAY, time(14)), (Weekday.TUESDAY, time(9))])
    monday = date(NEXT_YEAR, 1, 11)
    # Mastodon's Monday 14:00 is taken; X's Monday 9:00 is not one of Mastodon's slots.
    scheduled(personas.agency_a, admin, [mastodon], local(monday, 14), text="Taken")
    both = scheduled(personas.agency_a, admin, [x, mastodon], None)
    assert queue(personas, both, admin, local(monday, 7)).scheduled_at == local(
        monday + timedelta(days=1), 9
    )


def test_a_slot_the_clocks_skip_is_passed_over(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    set_slots(personas, x, [(Weekday.SUNDAY, time(2, 30))])
    draft = scheduled(personas.agency_a, admin, [x], None)
    post = queue(personas, draft, admin, local(SPRING_FORWARD - timedelta(days=1), 12))
    # 2:30 does not exist on the day the clocks go forward: the next Sunday's, in EDT.
    assert post.scheduled_at == utc(SPRING_FORWARD + timedelta(days=7), 6, 30)


def test_without_a_free_slot_the_draft_stays_a_draft_with_a_reason(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    draft = scheduled(personas.agency_a, admin, [x], None)
    with pytest.raises(GovsocialError, match="No queue time is free for X alpha_city"):
        queue(personas, draft, admin, local(date(NEXT_YEAR, 1, 11), 7))
    assert reload(draft).status == PostStatus.DRAFT


def test_only_admins_set_queue_times_and_setting_them_is_recorded(personas: Personas) -> None:
    x = x_account(personas.agency_a)
    with agency_scope(personas.agency_a.pk), pytest.raises(PermissionDenied):
        services.queue_slots_set(account=x, actor=personas.author_a.user, slots=[(0, time(9))])
    set_slots(personas, x, [(Weekday.MONDAY, time(9)), (Weekday.FRIDAY, time(16, 30))])
    set_slots(personas, x, [(Weekday.FRIDAY, time(16, 30)), (Weekday.MONDAY, time(9))])
    with agency_scope(personas.agency_a.pk):
        events = ArchiveEvent.objects.filter(verb="queue.slots_set")
        assert events.count() == 1
        assert events.get().data["slots"] == ["monday 09:00", "friday 16:30"]


def test_the_queue_page_sets_times_day_by_day_and_add_to_queue_schedules_the_draft(
    personas: Personas,
) -> None:
    x = x_account(personas.agency_a)
    client = personas.client_for(personas.admin_a)
    edit = reverse("queue_slot_edit", args=["alpha", x.pk])
    refused = client.post(edit, {"day_0": "9:00, 25:00"})
    assert refused.status_code == 400
    assert "“25:00” is not a time" in page_text(refused)
    saved = client.post(edit, {"day_0": "9:00, 14h00", "day_2": "10:15"})
    assert saved.status_code == 302
    with agency_scope(personas.agency_a.pk):
        slots = list(QueueSlot.objects.filter(account=x).values_list("weekday", "time"))
    assert slots == [(0, time(9)), (0, time(14)), (2, time(10, 15))]
    listing = page_text(client.get(reverse("queue_slot_list", args=["alpha"])))
    assert "Monday 9 a.m.; Monday 2 p.m.; Wednesday 10:15 a.m." in listing

    draft = scheduled(personas.agency_a, personas.admin_a.user, [x], None)
    detail = reverse("post_detail", args=["alpha", draft.pk])
    assert "Add to queue" in page_text(client.get(detail))
    added = client.post(reverse("post_add_to_queue", args=["alpha", draft.pk]))
    assert added["Location"] == detail
    post = reload(draft)
    assert post.status == PostStatus.SCHEDULED
    assert "Added to the queue: scheduled for" in page_text(client.get(detail))
