"""The calendar: month, week and list views of the agency's posts in the viewer's zone
(right across a daylight-saving change), its filters, moving a post by dragging it or
with a form (through the scheduling rules), and the schedule's export."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from govsocial.tenancy import agency_scope
from publishing import selectors, services
from publishing.models import AccountHealth, Post, PostStatus, SocialAccount
from tests.conftest import Personas
from tests.factories import MembershipFactory, publisher_for
from tests.publishing.calendar_helpers import (
    NEXT_YEAR,
    SPRING_FORWARD,
    day_cell,
    hour_cell,
    mastodon_account,
    page_text,
    reload,
    scheduled,
    sunday,
    utc,
    x_account,
)

pytestmark = pytest.mark.django_db


def calendar_url(**query: str) -> str:
    url = reverse("calendar", args=["alpha"])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def move_url(post_id: int) -> str:
    return reverse("post_move", args=["alpha", post_id])


def test_a_week_across_the_spring_change_shows_each_post_on_its_local_day_and_time(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    sunday = SPRING_FORWARD
    saturday_before, saturday = sunday - timedelta(days=1), sunday + timedelta(days=6)
    # 23:30 on the Saturday before (EST, UTC-5): the week before, not this one.
    scheduled(personas.agency_a, admin, [x], utc(sunday, 4, 30), text="Late Saturday")
    # 0:30 on the Sunday, before the clocks go forward (EST).
    scheduled(personas.agency_a, admin, [x], utc(sunday, 5, 30), text="Sunday night")
    # 9:00 on the Monday after, in EDT (UTC-4).
    monday = sunday + timedelta(days=1)
    scheduled(personas.agency_a, admin, [x], utc(monday, 13), text="Monday morning")
    # 0:30 on the next Sunday (EDT): the week after. At the week's starting offset
    # (UTC-5) it would wrongly fall on this week's Saturday.
    next_sunday = sunday + timedelta(days=7)
    scheduled(personas.agency_a, admin, [x], utc(next_sunday, 4, 30), text="Next Sunday")

    page = personas.client_for(personas.admin_a).get(
        calendar_url(view="week", date=sunday.isoformat())
    )
    assert page.status_code == 200
    shown = page_text(page)
    assert "Late Saturday" not in shown and "Next Sunday" not in shown
    # The time grid: each post in the cell of its local day and hour.
    assert "Sunday night" in hour_cell(page, sunday, 0)
    assert "12:30 a.m." in hour_cell(page, sunday, 0)
    assert "Monday morning" in hour_cell(page, monday, 9)
    assert "9 a.m." in hour_cell(page, monday, 9)
    assert "alpha_city (X)" in hour_cell(page, monday, 9)
    assert "Monday morning" not in hour_cell(page, monday, 10)
    assert day_cell(page, saturday).count("<li") == 0
    assert day_cell(page, saturday_before) == ""
    assert '<th scope="col">' in shown
    assert '<th scope="row" class="govsocial-calendar__hour">9 a.m.</th>' in shown


def test_the_week_shows_working_hours_widened_to_every_hour_a_post_goes_out_in(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    client = personas.client_for(personas.admin_a)
    monday = SPRING_FORWARD + timedelta(days=8)
    quiet = page_text(client.get(calendar_url(view="week", date=monday.isoformat())))
    hours = re.findall(r'data-date="[-\d]+" data-hour="(\d+)"', quiet)
    assert sorted({int(hour) for hour in hours}) == list(range(7, 21))

    # 22:45 in Toronto (EDT, UTC-4): 2:45 UTC the next day.
    scheduled(personas.agency_a, admin, [x], utc(monday + timedelta(days=1), 2, 45), text="Late")
    busy = client.get(calendar_url(view="week", date=monday.isoformat()))
    hours = re.findall(r'data-date="[-\d]+" data-hour="(\d+)"', page_text(busy))
    assert sorted({int(hour) for hour in hours}) == list(range(7, 23))
    assert "Late" in hour_cell(busy, monday, 22) and "10:45 p.m." in hour_cell(busy, monday, 22)


def test_the_month_grid_lists_posts_by_local_day_with_accounts_status_author_and_link(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    User.objects.filter(pk=admin.pk).update(name="Ada Admin")
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    # 1:00 UTC on 13 January is 20:00 on 12 January in Toronto.
    post = scheduled(
        personas.agency_a, admin, [x, mastodon], utc(date(NEXT_YEAR, 1, 13), 1), text="Snow"
    )
    page = personas.client_for(personas.admin_a).get(
        calendar_url(view="month", date=f"{NEXT_YEAR}-01-20")
    )
    cell = day_cell(page, date(NEXT_YEAR, 1, 12))
    assert "8 p.m." in cell
    assert "alpha_city (X)" in cell and "alpha@social (Mastodon)" in cell
    assert "Scheduled" in cell and "by Ada Admin" in cell
    assert reverse("post_detail", args=["alpha", post.pk]) in cell
    assert 'draggable="true"' in cell
    assert day_cell(page, date(NEXT_YEAR, 1, 13)).count("<li") == 0
    shown = page_text(page)
    assert f"January {NEXT_YEAR}" in shown
    assert f"date={NEXT_YEAR}-02-01" in shown and f"date={NEXT_YEAR - 1}-12-01" in shown


def test_a_card_shows_a_long_texts_start_and_its_preview_the_whole_text(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    text = "Road closures this weekend: " + "details of each street and detour. " * 5
    scheduled(
        personas.agency_a,
        admin,
        [x_account(personas.agency_a)],
        utc(date(NEXT_YEAR, 3, 4), 15),
        text=text,
    )
    page = personas.client_for(personas.admin_a).get(
        calendar_url(view="month", date=f"{NEXT_YEAR}-03-01")
    )
    cell = day_cell(page, date(NEXT_YEAR, 3, 4))
    summary = re.search(r'class="usa-link govsocial-calendar__summary"[^>]*>(.*?)</a>', cell)
    assert summary is not None and summary[1] == text[:59] + "…"
    preview = re.search(r'<div class="govsocial-calendar__preview">(.*?)</div>', cell)
    assert preview is not None
    assert text.strip() in preview[1] and "alpha_city (X)" in preview[1]


def test_a_card_shows_each_network_once_by_its_named_mark(personas: Personas) -> None:
    admin = personas.admin_a.user
    agency = personas.agency_a
    x, city_hall = x_account(agency), x_account(agency, handle="alpha_city_hall")
    mastodon = mastodon_account(agency)
    day = date(NEXT_YEAR, 2, 3)
    scheduled(agency, admin, [x, city_hall, mastodon], utc(day, 15), text="Two on X")
    page = personas.client_for(personas.admin_a).get(
        calendar_url(view="month", date=day.isoformat())
    )
    cell = day_cell(page, day)
    marks = re.findall(r'<span class="govsocial-network govsocial-network--(\w+)"([^>]*)>', cell)
    assert [network for network, _ in marks] == ["x", "mastodon"]
    assert 'role="img" aria-label="X"' in marks[0][1]
    assert 'role="img" aria-label="Mastodon"' in marks[1][1]
    assert "alpha_city (X), alpha_city_hall (X), alpha@social (Mastodon)" in cell


def test_failed_held_and_overdue_posts_stand_out_on_the_calendar(personas: Personas) -> None:
    admin = personas.admin_a.user
    agency = personas.agency_a
    x = x_account(agency)
    day, past = date(NEXT_YEAR, 4, 13), date(NEXT_YEAR - 3, 4, 13)
    on_time = scheduled(agency, admin, [x], utc(day, 13), text="On time")
    held = scheduled(agency, admin, [x], utc(day, 15), text="Held back")
    failed = scheduled(agency, admin, [x], utc(day, 14), text="Went wrong")
    overdue = scheduled(agency, admin, [x], None, text="Waiting for approval")
    # Stored fixtures: no service schedules a post in the past.
    with agency_scope(agency.pk):
        Post.objects.filter(pk=held.pk).update(status=PostStatus.HELD)
        Post.objects.filter(pk=failed.pk).update(
            status=PostStatus.FAILED, scheduled_at=utc(past, 14)
        )
        Post.objects.filter(pk=overdue.pk).update(
            status=PostStatus.IN_REVIEW, scheduled_at=utc(past, 16)
        )
    client = personas.client_for(personas.admin_a)
    ahead = page_text(client.get(calendar_url(view="week", date=day.isoformat())))
    behind = page_text(client.get(calendar_url(view="week", date=past.isoformat())))

    def card(page: str, post: Post) -> str:
        found = re.search(rf'<li class="([^"]*)" id="calendar-post-{post.pk}"', page)
        assert found is not None
        return found[1]

    assert card(ahead, on_time) == "govsocial-calendar__post"
    assert card(ahead, held) == "govsocial-calendar__post govsocial-calendar__post--held"
    assert card(behind, failed) == "govsocial-calendar__post govsocial-calendar__post--failed"
    assert card(behind, overdue) == "govsocial-calendar__post govsocial-calendar__post--overdue"
    assert "Approval overdue" in behind


def test_filters_narrow_the_calendar_and_stay_when_moving_between_periods(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    author = personas.author_a.user
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    publisher_for(personas.agency_a, account=mastodon, user=author)
    day = date(NEXT_YEAR, 2, 10)
    scheduled(personas.agency_a, admin, [x], utc(day, 15), text="On X", campaign="Winter")
    scheduled(personas.agency_a, author, [mastodon], utc(day, 16), text="On Mastodon")
    client = personas.client_for(personas.admin_a)

    by_account = page_text(
        client.get(calendar_url(view="list", date=day.isoformat(), account=str(mastodon.pk)))
    )
    assert "On Mastodon" in by_account and "On X" not in by_account
    assert f"account={mastodon.pk}" in by_account.split("Next month")[0][-400:]
    by_campaign = page_text(client.get(calendar_url(date=day.isoformat(), campaign="Winter")))
    assert "On X" in by_campaign and "On Mastodon" not in by_campaign
    by_author = page_text(client.get(calendar_url(date=day.isoformat(), author=str(author.pk))))
    assert "On Mastodon" in by_author and "On X" not in by_author
    by_status = page_text(client.get(calendar_url(date=day.isoformat(), status="published")))
    assert "On Mastodon" not in by_status and "On X" not in by_status
    assert "0 posts" in by_status


def options_of(page: str, name: str) -> list[str]:
    """Return the labels of the options of the page's select named ``name``."""
    select = re.search(rf'<select[^>]* name="{name}".*?</select>', page, re.S)
    assert select is not None, f"no select {name}"
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select[0])
    return [html.unescape(label).strip() for label in options]


def test_the_filters_offer_the_agencys_accounts_authors_and_campaigns_each_once_in_order(
    personas: Personas,
) -> None:
    admin, author = personas.admin_a.user, personas.author_a.user
    admin.name, author.name = "Zoë Admin", ""
    admin.save(update_fields=["name"])
    author.save(update_fields=["name"])
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    publisher_for(personas.agency_a, account=mastodon, user=author)
    day = date(NEXT_YEAR, 2, 10)
    for hour, campaign in enumerate(["Winter", "", "Autumn", "Winter", "Winter roads"]):
        scheduled(personas.agency_a, admin, [x], utc(day, 10 + hour), campaign=campaign)
    scheduled(personas.agency_a, author, [mastodon], None, campaign="Autumn")
    # Another agency's people, accounts and campaigns are not offered.
    other = personas.admin_b.user
    other.name = "Beta Admin"
    other.save(update_fields=["name"])
    beta_x = x_account(personas.agency_b, handle="beta_ministry")
    scheduled(personas.agency_b, other, [beta_x], utc(day, 9), campaign="Beta secret")

    page = personas.client_for(personas.admin_a).get(calendar_url(date=day.isoformat()))
    text = page.content.decode()

    assert options_of(text, "campaign") == ["Any", "Autumn", "Winter", "Winter roads"]
    # By name, or by email for someone who gave none.
    assert options_of(text, "author") == ["Any", *sorted([author.email, "Zoë Admin"])]
    assert options_of(text, "account") == ["Any", "Mastodon alpha@social", "X alpha_city"]


def test_the_filters_offer_what_is_new_and_show_what_was_chosen_at_each_view(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    day = date(NEXT_YEAR, 2, 10)
    scheduled(personas.agency_a, admin, [x], utc(day, 10), campaign="Winter")
    client = personas.client_for(personas.admin_a)
    url = calendar_url(date=day.isoformat())

    assert options_of(client.get(url).content.decode(), "campaign") == ["Any", "Winter"]
    scheduled(personas.agency_a, admin, [x], utc(day, 11), campaign="Spring")
    mastodon_account(personas.agency_a)
    again = client.get(url).content.decode()
    assert options_of(again, "campaign") == ["Any", "Spring", "Winter"]
    assert options_of(again, "account") == ["Any", "Mastodon alpha@social", "X alpha_city"]

    chosen = client.get(url, {"campaign": "Spring"}).content.decode()
    assert re.search(r'<option value="Spring" selected>', chosen)
    refused = page_text(client.get(url, {"campaign": "Autumn"}))
    assert "usa-error-message" in refused and 'aria-invalid="true"' in refused
    french = page_text(client.get(url, {"campaign": "Autumn"}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Campagne" in french and "usa-error-message" in french
    # The form keeps the period shown, to filter it.
    march = client.get(calendar_url(view="week", date=f"{NEXT_YEAR}-03-02")).content.decode()
    assert options_of(march, "campaign") == ["Any", "Spring", "Winter"]
    assert f'<input type="hidden" name="date" value="{NEXT_YEAR}-03-02">' in march
    assert '<input type="hidden" name="view" value="week">' in march


def test_the_list_view_is_the_accessible_fallback_with_a_heading_per_day(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    day = date(NEXT_YEAR, 4, 7)
    post = scheduled(personas.agency_a, admin, [x], utc(day, 13), text="Spring clean-up")
    page = page_text(
        personas.client_for(personas.admin_a).get(calendar_url(view="list", date=day.isoformat()))
    )
    assert f"Wednesday 7 April {NEXT_YEAR}" in page
    assert "Spring clean-up" in page and "9 a.m." in page
    assert f"{move_url(post.pk)}?next=" in page


def test_dragging_a_post_to_another_day_keeps_its_local_time_across_the_change(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    friday = SPRING_FORWARD - timedelta(days=2)
    # 9:00 on the Friday before the change (EST, UTC-5).
    post = scheduled(personas.agency_a, admin, [x], utc(friday, 14))
    monday = SPRING_FORWARD + timedelta(days=1)
    answer = personas.client_for(personas.admin_a).post(
        move_url(post.pk), {"schedule_date": monday.isoformat()}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["ok"] is True
    assert body["date"] == monday.isoformat()
    assert body["time"] == "9 a.m."
    assert "America/Toronto" in body["message"]
    # 9:00 on the Monday is in EDT (UTC-4): 13:00 UTC.
    assert reload(post).scheduled_at == utc(monday, 13)


def test_dragging_a_post_in_the_week_moves_it_to_that_day_and_time_across_the_change(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    friday = SPRING_FORWARD - timedelta(days=2)
    # 9:30 on the Friday before the change (EST, UTC-5).
    post = scheduled(personas.agency_a, admin, [x], utc(friday, 14, 30))
    monday = SPRING_FORWARD + timedelta(days=1)
    # The week's grid sends the hour dropped on with the post's own minutes.
    answer = personas.client_for(personas.admin_a).post(
        move_url(post.pk),
        {"schedule_date": monday.isoformat(), "schedule_time": "15:30"},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["ok"] is True
    assert (body["date"], body["time"]) == (monday.isoformat(), "3:30 p.m.")
    assert body["local"] == f"{monday.isoformat()}T15:30:00-04:00"
    assert "3:30 p.m." in body["message"] and "America/Toronto" in body["message"]
    # 15:30 on the Monday is in EDT (UTC-4): 19:30 UTC.
    assert reload(post).scheduled_at == utc(monday, 19, 30)
    page = personas.client_for(personas.admin_a).get(
        calendar_url(view="week", date=monday.isoformat())
    )
    assert "Road closures" in hour_cell(page, monday, 15)


def test_a_drag_to_an_hour_the_clocks_skip_or_repeat_is_refused_and_the_post_stays(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    # Toronto's clocks go back at 2:00 on the first Sunday of November.
    fall_back = sunday(NEXT_YEAR, 11, 1)
    at = utc(fall_back - timedelta(days=3), 13, 30)
    post = scheduled(personas.agency_a, admin, [x], at)
    client = personas.client_for(personas.admin_a)

    twice = client.post(
        move_url(post.pk),
        {"schedule_date": fall_back.isoformat(), "schedule_time": "01:30"},
        HTTP_ACCEPT="application/json",
    )
    assert twice.status_code == 400
    assert twice.json()["ok"] is False
    assert "happens twice" in twice.json()["message"]

    skipped = client.post(
        move_url(post.pk),
        {"schedule_date": SPRING_FORWARD.isoformat(), "schedule_time": "02:30"},
        HTTP_ACCEPT="application/json",
    )
    assert skipped.status_code == 400
    assert "does not exist in America/Toronto" in skipped.json()["message"]
    assert reload(post).scheduled_at == at


def test_a_move_the_networks_would_refuse_is_refused_and_the_post_stays(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    at = utc(date(NEXT_YEAR, 5, 4), 13)
    post = scheduled(personas.agency_a, admin, [x], at)
    with agency_scope(personas.agency_a.pk):
        SocialAccount.objects.filter(pk=x.pk).update(health=AccountHealth.NEEDS_REAUTHORISATION)
    answer = personas.client_for(personas.admin_a).post(
        move_url(post.pk), {"schedule_date": f"{NEXT_YEAR}-05-06"}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["ok"] is False
    assert "must be reconnected by an agency admin" in body["message"]
    assert body["problems"][0]["code"] == "account_needs_reauthorisation"
    after = reload(post)
    assert (after.scheduled_at, after.status) == (at, PostStatus.SCHEDULED)


def test_the_move_form_works_without_a_mouse_and_asks_about_a_time_that_does_not_exist(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = x_account(personas.agency_a)
    post = scheduled(personas.agency_a, admin, [x], utc(date(NEXT_YEAR, 3, 1), 14))
    client = personas.client_for(personas.admin_a)
    form = page_text(client.get(move_url(post.pk)))
    assert f'value="{NEXT_YEAR}-03-01"' in form and 'value="09:00"' in form
    skipped = client.post(
        move_url(post.pk), {"schedule_date": SPRING_FORWARD.isoformat(), "schedule_time": "02:30"}
    )
    assert skipped.status_code == 400
    assert "does not exist in America/Toronto" in page_text(skipped)
    back = calendar_url(view="week", date=f"{NEXT_YEAR}-03-01")
    moved = client.post(
        move_url(post.pk),
        {"schedule_date": f"{NEXT_YEAR}-03-02", "schedule_time": "15:45", "next": back},
    )
    assert moved.status_code == 302 and moved["Location"] == back
    assert reload(post).scheduled_at == utc(date(NEXT_YEAR, 3, 2), 20, 45)
    assert "Moved to" in page_text(client.get(back))


def test_a_viewer_cannot_move_posts_and_sees_no_handle_to_drag(personas: Personas) -> None:
    admin = personas.admin_a.user
    viewer = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER])
    x = x_account(personas.agency_a)
    at = utc(date(NEXT_YEAR, 6, 2), 13)
    post = scheduled(personas.agency_a, admin, [x], at)
    client = personas.client_for(viewer)
    page = client.get(calendar_url(date=f"{NEXT_YEAR}-06-02"))
    assert "Road closures" in page_text(page)
    assert "draggable" not in day_cell(page, date(NEXT_YEAR, 6, 2))
    refused = client.post(
        move_url(post.pk), {"schedule_date": f"{NEXT_YEAR}-06-03"}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400
    assert "Only authors and agency admins" in refused.json()["message"]
    assert reload(post).scheduled_at == at


def test_the_export_gives_the_calendars_posts_in_utc_and_in_the_viewers_zone(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    day = date(NEXT_YEAR, 7, 1)
    post = scheduled(
        personas.agency_a,
        admin,
        [x, mastodon],
        utc(day, 13),
        text="=SUM(A1) is not a formula here",
        campaign="Canada Day",
        link="https://example.gov/canada-day",
    )
    scheduled(personas.agency_a, admin, [x], utc(date(NEXT_YEAR, 8, 1), 13), text="August")
    User.objects.filter(pk=admin.pk).update(time_zone="Europe/Paris")
    client = personas.client_for(personas.admin_a)
    url = reverse("calendar_export", args=["alpha"])

    exported = client.get(url, {"view": "month", "date": day.isoformat(), "as": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(post.pk)
    assert row["scheduled_at_utc"] == f"{NEXT_YEAR}-07-01T13:00:00Z"
    assert row["scheduled_at"] == f"{NEXT_YEAR}-07-01T15:00:00+02:00"
    assert row["time_zone"] == "Europe/Paris"
    assert row["accounts"] == "x:alpha_city;mastodon:alpha@social"
    assert row["text"] == "'=SUM(A1) is not a formula here"
    assert (row["campaign"], row["status"]) == ("Canada Day", "scheduled")
    assert row["url"].endswith(reverse("post_detail", args=["alpha", post.pk]))

    as_json = client.get(url, {"view": "month", "date": day.isoformat(), "as": "json"})
    body = json.loads(as_json.content)
    assert body["time_zone"] == "Europe/Paris"
    [entry] = body["posts"]
    assert entry["text"] == "=SUM(A1) is not a formula here"
    assert entry["accounts"][1] == {
        "id": mastodon.pk,
        "network": "mastodon",
        "handle": "alpha@social",
    }
    filtered = client.get(url, {"date": day.isoformat(), "as": "json", "campaign": "Other"})
    assert json.loads(filtered.content)["posts"] == []


def test_a_cards_words_are_escaped_in_every_view(personas: Personas) -> None:
    admin = personas.admin_a.user
    admin.name = "<i>Ann</i> & co"
    admin.save(update_fields=["name"])
    x = x_account(personas.agency_a, handle="<b>city</b>")
    day = date(NEXT_YEAR, 6, 2)
    scheduled(personas.agency_a, admin, [x], utc(day, 13), text='<script>alert("x")</script> & co')
    client = personas.client_for(personas.admin_a)
    for view in ("month", "week", "list"):
        page = page_text(client.get(calendar_url(view=view, date=day.isoformat())))
        assert "<script>" not in page and "<b>city</b>" not in page, view
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page, view
        assert "&lt;b&gt;city&lt;/b&gt; (X)" in page, view
        assert "<i>Ann</i>" not in page and "by &lt;i&gt;Ann&lt;/i&gt; &amp; co" in page, view


def test_a_month_viewed_again_is_not_read_again_until_something_it_shows_changes(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    agency = personas.agency_a
    x = x_account(agency)
    day = date(NEXT_YEAR, 5, 12)
    post = scheduled(agency, admin, [x], utc(day, 15), text="Parade route")
    client = personas.client_for(personas.admin_a)
    url = calendar_url(view="month", date=day.isoformat())

    def viewed(**headers: str) -> tuple[str, bool]:
        """Return the day's cell, and whether the page read the month's posts."""
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, **headers)
        read = any("MATERIALIZED" in query["sql"] for query in queries.captured_queries)
        return day_cell(page, day), read

    first, read = viewed()
    assert read and "Parade route" in first
    assert viewed() == (first, False)

    # Whatever the card shows changes, by a service or not: the next view shows it.
    with agency_scope(agency.pk):
        services.post_update(
            post=reload(post),
            actor=admin,
            text="Parade route changed",
            link="",
            campaign="",
            account_ids=[x.pk],
            variants={},
            media=[],
        )
    assert viewed()[0].count("<li") == 0
    with agency_scope(agency.pk):
        services.post_schedule(post=reload(post), actor=admin, at=utc(day, 17))
    changed, read = viewed()
    assert read and "Parade route changed" in changed and "1 p.m." in changed
    # A viewer, who may not move posts, is shown the same month as such.
    viewer = MembershipFactory(agency=agency, roles=[Role.VIEWER])
    unmovable = day_cell(personas.client_for(viewer).get(url), day)
    assert "Parade route changed" in unmovable
    assert 'draggable="true"' in changed and "draggable" not in unmovable
    with agency_scope(agency.pk):
        Post.objects.filter(pk=post.pk).update(status=PostStatus.IN_REVIEW)
        SocialAccount.objects.filter(pk=x.pk).update(handle="alpha_renamed")
    User.objects.filter(pk=admin.pk).update(name="Ada Admin")
    changed, read = viewed()
    assert read and "alpha_renamed (X)" in changed and "by Ada Admin" in changed
    assert "In review" in changed and "Approval overdue" not in changed
    assert viewed() == (changed, False)

    # In another language, the month is written again in it.
    french, read = viewed(HTTP_ACCEPT_LANGUAGE="fr")
    assert read and "En révision" in french


def test_a_month_viewed_again_offers_new_filters_and_each_viewer_their_own_form_token(
    personas: Personas,
) -> None:
    """What the page writes around the month is kept with it: new choices in the
    filters still show, and the token that lets a drag be saved is always the
    viewer's own."""
    agency = personas.agency_a
    x = x_account(agency)
    day = date(NEXT_YEAR, 5, 12)
    post = scheduled(agency, personas.admin_a.user, [x], utc(day, 15), text="Parade route")
    url = calendar_url(view="month", date=day.isoformat())
    admin, author = (Client(enforce_csrf_checks=True) for _ in range(2))
    admin.force_login(personas.admin_a.user)
    author.force_login(personas.author_a.user)
    assert options_of(admin.get(url).content.decode(), "campaign") == ["Any"]

    # A post of another month, in a campaign and by an author new to the filters: the
    # month's posts are the same, its filters are not.
    publisher_for(agency, account=x, user=personas.author_a.user)
    scheduled(
        agency, personas.author_a.user, [x], utc(day + timedelta(days=60), 9), campaign="Harvest"
    )
    with CaptureQueriesContext(connection) as queries:
        again = admin.get(url).content.decode()
    assert not any("MATERIALIZED" in query["sql"] for query in queries.captured_queries)
    assert options_of(again, "campaign") == ["Any", "Harvest"]
    assert len(options_of(again, "author")) == 3

    # Each viewer of the same month saves a drag with the token of their own page.
    tokens = []
    for client in (admin, author):
        found = re.search(
            r'id="calendar-csrf" hidden><input type="hidden" name="csrfmiddlewaretoken"'
            r' value="([^"]+)"',
            client.get(url).content.decode(),
        )
        assert found is not None
        tokens.append(found[1])
    for client, token, hour in ((admin, tokens[0], 16), (author, tokens[1], 17)):
        answer = client.post(
            move_url(post.pk),
            {"schedule_date": day.isoformat(), "schedule_time": f"{hour}:00"},
            HTTP_ACCEPT="application/json",
            HTTP_X_CSRFTOKEN=token,
        )
        assert answer.status_code == 200, answer.content
    # 17:00 in Toronto, four hours behind UTC in May.
    assert reload(post).scheduled_at == utc(day, 21)


def test_a_months_version_tells_apart_the_moments_before_and_after_a_post_is_overdue(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    day = date(NEXT_YEAR, 5, 12)
    post = scheduled(agency, personas.admin_a.user, [x_account(agency)], utc(day, 15))
    month = {"start": utc(day, 0), "end": utc(day + timedelta(days=1), 0)}
    with agency_scope(agency.pk):
        Post.objects.filter(pk=post.pk).update(status=PostStatus.IN_REVIEW)
        before = selectors.calendar_version(**month, now=utc(day, 14))
        assert selectors.calendar_version(**month, now=utc(day, 14, 59)) == before
        after = selectors.calendar_version(**month, now=utc(day, 15))
        assert after != before
        posts, version = selectors.calendar_schedule_versioned(**month, now=utc(day, 15))
        assert version == after and [each.id for each in posts] == [post.pk]
        Post.objects.filter(pk=post.pk).update(status=PostStatus.SCHEDULED)
        assert selectors.calendar_version(**month, now=utc(day, 14)) != before
