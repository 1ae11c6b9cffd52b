"""Scheduling from a CSV file: every row is checked first (accounts, time, link, and
each network's rules), every problem is reported with its row and column, and nothing
is imported unless every row is right; then every post is written and scheduled."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostStatus, TargetState
from tests.conftest import Personas
from tests.publishing.calendar_helpers import (
    NEXT_YEAR,
    SPRING_FORWARD,
    mastodon_account,
    page_text,
    scheduled,
    utc,
    x_account,
)

pytestmark = pytest.mark.django_db

CJK_150 = "道" * 150


def upload(personas: Personas, content: str, membership: object = None) -> object:
    client = personas.client_for(membership or personas.admin_a)  # type: ignore[arg-type]
    csv_file = SimpleUploadedFile("schedule.csv", content.encode("utf-8-sig"), "text/csv")
    return client.post(reverse("schedule_import", args=["alpha"]), {"file": csv_file})


def posts(personas: Personas) -> list[Post]:
    with agency_scope(personas.agency_a.pk):
        return list(Post.objects.prefetch_related("targets").order_by("scheduled_at"))


def test_a_valid_file_schedules_every_post_in_the_agencys_zone(personas: Personas) -> None:
    x = x_account(personas.agency_a)
    mastodon = mastodon_account(personas.agency_a)
    content = (
        "accounts,text,scheduled_at,link,campaign\n"
        f"@alpha_city;{mastodon.pk},Snow clearing tonight.,{NEXT_YEAR}-01-12 09:00,"
        "https://example.gov/snow,Winter\n"
        f'x:alpha_city,"Two lines,\nwith a comma",{NEXT_YEAR}-07-01T09:00:00-04:00,,\n'
    )
    answer = upload(personas, content)
    assert answer.status_code == 200, page_text(answer)[:3000]
    assert "2 posts scheduled" in page_text(answer)
    first, second = posts(personas)
    assert first.scheduled_at == utc(date(NEXT_YEAR, 1, 12), 14)
    assert (first.link, first.campaign) == ("https://example.gov/snow", "Winter")
    assert {t.account_id for t in first.targets.all()} == {x.pk, mastodon.pk}
    assert second.text == "Two lines,\nwith a comma"
    assert second.scheduled_at == utc(date(NEXT_YEAR, 7, 1), 13)
    for post in (first, second):
        assert post.status == PostStatus.SCHEDULED
        assert {t.state for t in post.targets.all()} == {TargetState.SCHEDULED}
    with agency_scope(personas.agency_a.pk):
        imported = ArchiveEvent.objects.get(verb="schedule.imported")
    assert imported.data["posts"] == [first.pk, second.pk]


def test_one_bad_row_imports_nothing_and_every_problem_is_named_by_row_and_column(
    personas: Personas,
) -> None:
    x_account(personas.agency_a)
    mastodon_account(personas.agency_a)
    mastodon_account(personas.agency_a, handle="alpha_city")
    content = (
        "accounts,text,scheduled_at,link\n"
        f"x:alpha_city,Fine,{NEXT_YEAR}-01-12 09:00,\n"
        f"@nobody,Who?,{NEXT_YEAR}-01-12 10:00,\n"
        f"x:alpha_city,{CJK_150},{NEXT_YEAR}-01-12 11:00,not a link\n"
        f"alpha_city,Which one?,{SPRING_FORWARD.isoformat()} 02:30,\n"
        "x:alpha_city,Too late,2001-01-01 09:00,\n"
    )
    answer = upload(personas, content)
    assert answer.status_code == 400
    page = page_text(answer)
    assert "Nothing was imported: the file has 6 problems to fix first." in page
    expected = [
        ("3", "accounts", "No account of this agency is called “@nobody”."),
        ("4", "link", "The link must be a full web address"),
        ("4", "text", "X alpha_city:"),
        ("5", "accounts", "More than one account is called “alpha_city”"),
        ("5", "scheduled_at", "does not exist in America/Toronto"),
        ("6", "scheduled_at", "That time has passed."),
    ]
    table = page.replace("> <", "><")
    for row, column, message in expected:
        cell = rf'<th scope="row">{row}</th><td>{column}</td><td>[^<]*{re.escape(message)}'
        assert re.search(cell, table), (row, column, message)
    assert '<th scope="row">2</th>' not in table
    assert posts(personas) == []


def test_a_file_without_the_required_columns_is_refused_before_any_row(
    personas: Personas,
) -> None:
    x_account(personas.agency_a)
    answer = upload(personas, f"account,text,when\nx:alpha_city,Hi,{NEXT_YEAR}-01-12 09:00\n")
    assert answer.status_code == 400
    page = page_text(answer)
    assert "The file has no “accounts” column." in page
    assert "The file has no “scheduled_at” column." in page
    assert "“when” is not a column an import reads" in page
    assert posts(personas) == []


def test_an_author_cannot_import_for_accounts_not_delegated_to_them(personas: Personas) -> None:
    x_account(personas.agency_a)
    answer = upload(
        personas,
        f"accounts,text,scheduled_at\nx:alpha_city,Hi,{NEXT_YEAR}-01-12 09:00\n",
        personas.author_a,
    )
    assert answer.status_code == 400
    assert "You may not publish to X alpha_city; ask an agency admin." in page_text(answer)
    assert posts(personas) == []


def test_an_exported_month_imports_again(personas: Personas) -> None:
    x = x_account(personas.agency_a)
    scheduled(
        personas.agency_a,
        personas.admin_a.user,
        [x],
        utc(date(NEXT_YEAR, 9, 1), 13),
        text="-10 degrees tonight",
        campaign="Cold",
    )
    client = personas.client_for(personas.admin_a)
    exported = client.get(
        reverse("calendar_export", args=["alpha"]), {"date": f"{NEXT_YEAR}-09-01", "as": "csv"}
    )
    answer = upload(personas, exported.content.decode())
    assert answer.status_code == 400
    # Only the columns an import reads are accepted: the rest is named, nothing imported.
    assert "“id” is not a column an import reads" in page_text(answer)
    kept = "\n".join(
        ",".join(line.split(",")[:6]) for line in exported.content.decode().splitlines()
    )
    again = upload(personas, kept + "\n")
    assert again.status_code == 200, page_text(again)[:3000]
    texts = [post.text for post in posts(personas)]
    assert texts == ["-10 degrees tonight", "-10 degrees tonight"]
