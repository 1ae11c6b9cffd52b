"""The calendar in a browser: an admin reads a week of posts on five networks as a month,
a week's time grid and a list — each page checked with axe on a laptop and a phone and
pictured at both sizes for the README — and drags a post to another day (the month) or
to another day and hour (the week); the move is said in the calendar's live region."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from publishing.calendar import WEEK, CalendarPeriod, first_weekday
from publishing.models import Post, PostStatus, TargetState
from publishing.networks.base import Network
from tests.browser.conftest import (
    Member,
    assert_accessible,
    at_both_sizes,
    authorise_on_the_network,
    sign_in,
)
from tests.emulator_client import Emulator
from tests.factories import scheduled_post_for, social_account_for

TORONTO = ZoneInfo("America/Toronto")
HANDLES = {
    Network.X: "riverton_city",
    Network.FACEBOOK: "Riverton City Hall",
    Network.INSTAGRAM: "riverton.city",
    Network.MASTODON: "riverton@social.example",
    Network.BLUESKY: "riverton.bsky.social",
}
ALL = "x facebook instagram mastodon bluesky"
# A week of posts: (day of the week, hour, minute, text, networks). Those whose time
# has passed are published, failed or overdue for approval; the others scheduled,
# held or in review: each state as the week's place in time allows.
WEEK_OF_POSTS = [
    (0, 9, 0, "Leaf collection starts this week in every ward.", "x facebook bluesky"),
    (0, 14, 30, "Council meets tonight at 7; watch it live on our channel.", "x mastodon"),
    (1, 8, 15, "Road closures this weekend: Main Street from 1st to 4th.", "x facebook instagram"),
    (1, 12, 0, "Lunchtime concert at the library, free for everyone.", "instagram"),
    (2, 10, 0, "Snow clearing plan for the winter is now online.", ALL),
    (3, 9, 30, "Flu clinics open at all community centres.", "facebook mastodon"),
    (3, 16, 0, "Recycling pickup moves one day later next week.", "x bluesky"),
    (4, 11, 0, "Splash pads close for the season.", "instagram facebook"),
    (5, 10, 30, "Farmers' market: the last one of the year.", ALL),
    (6, 13, 0, "Skating rinks open when the ice is ready.", "mastodon bluesky"),
]  # fmt: skip
PAST_STATES = [PostStatus.PUBLISHED, PostStatus.FAILED, PostStatus.IN_REVIEW]
FUTURE_STATES = [PostStatus.SCHEDULED, PostStatus.HELD, PostStatus.SCHEDULED, PostStatus.IN_REVIEW]


def this_week() -> CalendarPeriod:
    """Return the week the calendar shows today in Toronto, in English."""
    with translation.override("en"):
        return CalendarPeriod.of(
            WEEK, timezone.localtime(timezone.now(), TORONTO).date(), first_weekday()
        )


def a_week_of_posts(agency: Agency) -> None:
    """Give the agency its five networks' accounts and this week's posts, in every state
    the week's place in time allows."""
    first, now = this_week().first, timezone.now()
    with agency_scope(agency.pk):
        accounts = {
            network: social_account_for(agency, network=network, handle=handle)
            for network, handle in HANDLES.items()
        }
        past, future = iter(PAST_STATES * 4), iter(FUTURE_STATES * 3)
        for day, hour, minute, text, networks in WEEK_OF_POSTS:
            at = datetime.combine(first + timedelta(days=day), time(hour, minute), tzinfo=TORONTO)
            chosen = [accounts[Network(name)] for name in networks.split()]
            post = scheduled_post_for(agency, chosen, at=at, text=text)
            state = next(past) if at <= now else next(future)
            _put_in(post, state, at)


def _put_in(post: Post, state: PostStatus, at: datetime) -> None:
    """Leave ``post`` in ``state`` as its way through would have (a stored fixture)."""
    if state == PostStatus.SCHEDULED:
        return
    targets = {
        PostStatus.PUBLISHED: {"state": TargetState.PUBLISHED, "published_at": at},
        PostStatus.FAILED: {
            "state": TargetState.FAILED,
            "failure_reason": "The network refused the token.",
        },
        PostStatus.HELD: {"state": TargetState.HELD},
        PostStatus.IN_REVIEW: {"state": TargetState.DRAFT},
    }[state]
    post.targets.update(**targets)
    post.status = state
    post.save(update_fields=["status"])


def pictured(page: Page, screenshots: Path, name: str) -> None:
    """Check and picture the page at both sizes (``at_both_sizes``) from the period's
    heading down: the calendar rather than the site's header."""
    page.mouse.move(0, 0)
    at_both_sizes(page, screenshots, name, start="#calendar-period")


def test_the_month_the_week_and_the_list_show_compact_posts_at_both_sizes(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    in_agency: Callable[..., Any],
    screenshots: Path,
) -> None:
    in_agency(committed_admin, a_week_of_posts)
    week = this_week()
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    calendar = f"{web_server}/agencies/{committed_admin.agency_slug}/calendar/"

    page.goto(f"{calendar}?view=month&date={week.last.isoformat()}")
    wide = page.locator(".govsocial-calendar")
    expect(wide).to_be_visible()
    # The page's whole width, not USWDS's 64rem column.
    assert (wide.bounding_box() or {"width": 0})["width"] > 1100
    snow = page.locator(".govsocial-calendar__post").filter(has_text="Snow clearing plan")
    for network in ("X", "Facebook", "Instagram", "Mastodon", "Bluesky"):
        expect(snow.get_by_role("img", name=network)).to_be_visible()
    # Its state fits the cell on one line: "SCHEDULED" does not break.
    for tag in page.locator(".govsocial-calendar__post .usa-tag").all():
        box = tag.bounding_box()
        assert box is not None and box["height"] < 20, tag.inner_text()
    # The preview opens on keyboard focus, and Escape puts it away.
    preview = snow.locator(".govsocial-calendar__preview")
    # The post's own link, not its "Move to…" (there while the post is still to come).
    snow.get_by_role(
        "link", name="Snow clearing plan for the winter is now online.", exact=True
    ).focus()
    expect(preview).to_contain_text("riverton@social.example (Mastodon)")
    assert (preview.bounding_box() or {"width": 0})["width"] > 200
    page.keyboard.press("Escape")
    assert (preview.bounding_box() or {"width": 0})["width"] <= 1
    page.evaluate("document.activeElement.blur()")
    pictured(page, screenshots, "calendar-month")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{calendar}?view=week&date={week.first.isoformat()}")
    ten = page.locator(
        f"[data-date='{(week.first + timedelta(days=2)).isoformat()}'][data-hour='10']"
    )
    expect(ten).to_contain_text("Snow clearing plan")
    pictured(page, screenshots, "calendar-week")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{calendar}?view=list&date={week.last.isoformat()}")
    expect(page.get_by_text("riverton.bsky.social (Bluesky)").first).to_be_visible()
    pictured(page, screenshots, "calendar-list")
    page.close()


def a_monday_next_january() -> date:
    """Return a Monday of next January: it and its Wednesday are in one calendar week
    whether weeks start on Sunday or on Monday."""
    day = date(timezone.now().year + 1, 1, 8)
    return day - timedelta(days=day.weekday())


def test_dragging_a_post_in_the_week_moves_it_to_that_day_and_hour_keeping_its_minutes(
    web_server: str, browser: Browser, committed_admin: Member, in_agency: Callable[..., Any]
) -> None:
    monday = a_monday_next_january()
    wednesday = monday + timedelta(days=2)

    def a_post(agency: Agency) -> int:
        with agency_scope(agency.pk):
            x = social_account_for(agency, handle="calendar_city")
            at = datetime.combine(monday, time(9, 30), tzinfo=TORONTO)
            return scheduled_post_for(agency, [x], at=at, text="Pool opening hours.").pk

    post_id = in_agency(committed_admin, a_post)
    # Tall enough to hold the post and the hour it goes to: the drag is not scrolled.
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    sign_in(page, web_server, committed_admin)
    page.goto(
        f"{web_server}/agencies/{committed_admin.agency_slug}/calendar/"
        f"?view=week&date={monday.isoformat()}"
    )
    post = page.locator(".govsocial-calendar__post").filter(has_text="Pool opening hours.")
    expect(page.locator(f"[data-date='{monday.isoformat()}'][data-hour='9']")).to_contain_text(
        "Pool opening hours."
    )
    three_pm = page.locator(f"[data-date='{wednesday.isoformat()}'][data-hour='15']")
    post.drag_to(three_pm)
    expect(page.locator("#calendar-status")).to_contain_text(re.compile(r"Moved to .*3:30 p\.m\."))
    expect(three_pm).to_contain_text("Pool opening hours.")
    expect(post.locator("time")).to_have_text("3:30 p.m.")
    assert_accessible(page)

    def stored_time(agency: Agency) -> datetime | None:
        with agency_scope(agency.pk):
            return Post.objects.get(pk=post_id).scheduled_at

    # 15:30 in Toronto in January (EST, UTC-5) is 20:30 UTC.
    assert in_agency(committed_admin, stored_time) == datetime.combine(
        wednesday, time(20, 30), tzinfo=ZoneInfo("UTC")
    )
    page.reload()
    expect(three_pm).to_contain_text("Pool opening hours.")
    expect(page.locator(f"[data-date='{monday.isoformat()}'][data-hour='9']")).not_to_contain_text(
        "Pool opening hours."
    )
    page.close()


def test_dragging_a_post_to_another_day_moves_it_there_at_the_same_time(
    web_server: str, browser: Browser, committed_admin: Member, emulator: Emulator
) -> None:
    year = timezone.now().year + 1
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Network accounts").click()
    page.get_by_role("button", name="Connect X").click()
    authorise_on_the_network(page, "calendar_city")
    page.get_by_role("link", name="Posts", exact=True).click()
    page.get_by_role("link", name="Write a post").click()
    page.get_by_text("X calendar_city", exact=True).click()
    page.get_by_label("Text", exact=True).fill("Pool opening hours.")
    page.get_by_label("Date").fill(f"{year}-01-12")
    page.get_by_label("Time").fill("09:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_text(re.compile(r"Scheduled for "))).to_be_visible()

    page.goto(f"{web_server}/agencies/{committed_admin.agency_slug}/calendar/?date={year}-01-12")
    post = page.locator(".govsocial-calendar__post").filter(has_text="Pool opening hours.")
    post.drag_to(page.locator(f"[data-date='{year}-01-14']"))
    expect(page.locator("#calendar-status")).to_contain_text(re.compile(r"Moved to .*9 a\.m\."))
    expect(page.locator(f"[data-date='{year}-01-14']")).to_contain_text("Pool opening hours.")
    assert_accessible(page)

    page.reload()
    expect(page.locator(f"[data-date='{year}-01-14']")).to_contain_text("Pool opening hours.")
    expect(page.locator(f"[data-date='{year}-01-12']")).not_to_contain_text("Pool opening hours.")
    page.close()
