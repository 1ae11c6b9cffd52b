"""The Records section: a records officer (or an admin) searches the agency's archive
by words in English or French (case and accents aside), action, person and days,
reads a record (``test_record_proofs``), in the pages and through the API. Nobody else
reads it, and another agency's records are not there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.paginator import EmptyPage
from django.db import ProgrammingError, connection, transaction
from django.test import Client
from django.urls import reverse

import archive
from accounts.models import Agency, Role
from archive import records
from archive.models import ArchiveEvent
from archive.records import event_search
from archive.services import SYSTEM, event_content_erase
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed
from tests.conftest import Personas
from tests.factories import UserFactory, api_key_for


def said(
    agency: Agency, text: str, *, verb: str = "inbox.item_received", **data: object
) -> ArchiveEvent:
    """Record, in ``agency``'s archive, that a citizen said ``text``."""
    with agency_scope(agency.pk), transaction.atomic():
        (content,) = archive.keep_documents(agency=agency, documents=[{"text": text}])
        return archive.record(
            agency=agency,
            actor=SYSTEM,
            verb=verb,
            obj=None,
            data={"text": text, "content": content, **data},
        )


def found(agency: Agency, **criteria: object) -> list[str]:
    """Search ``agency``'s archive once its events are placed in its log (committed, as
    the log places only those)."""
    all_placed(agency)
    with agency_scope(agency.pk):
        return [event.data.get("text", event.verb) for event in event_search(**criteria)]  # type: ignore[arg-type]


def test_words_are_found_in_english_and_french_case_and_accents_aside(new_agency: Agency) -> None:
    said(new_agency, "Les SÉCURITÉS du pont sont inquiétantes", author_handle="amara_okafor")
    said(new_agency, "The roads were flooded this morning", author_handle="ben_tremblay")
    said(new_agency, "Merci pour l\u2019œuvre des équipes", verb="inbox.item_edited")

    assert found(new_agency, words="securite") == ["Les SÉCURITÉS du pont sont inquiétantes"]
    assert found(new_agency, words="flooding") == ["The roads were flooded this morning"]
    assert found(new_agency, words="oeuvre equipe") == ["Merci pour l\u2019œuvre des équipes"]
    roads = ["The roads were flooded this morning"]
    assert found(new_agency, words='"roads were" -bridge') == roads
    assert found(new_agency, words="pont -securite") == []
    assert found(new_agency, person="BEN_TREM") == ["The roads were flooded this morning"]
    assert found(new_agency, action="inbox.item_edited") == ["Merci pour l\u2019œuvre des équipes"]
    assert found(new_agency, words="roads", until=datetime(2000, 1, 1, tzinfo=UTC)) == []


def test_a_person_is_found_by_who_acted_and_who_wrote_case_and_accents_aside(
    new_agency: Agency,
) -> None:
    said(new_agency, "Pothole on Elm", author_handle="amara_okafor", author_name="Amara Okafor")
    said(new_agency, "Merci", author_handle="h_lefebvre", author_name="Hélène Lefèbvre")
    officer = UserFactory(name="Zoë Martin")
    with agency_scope(new_agency.pk), transaction.atomic():
        archive.record(
            agency=new_agency, actor=officer, verb="inbox.item_closed", obj=None, data={}
        )

    assert found(new_agency, person="LEFEBVRE") == ["Merci"]
    assert found(new_agency, person="hélène") == found(new_agency, person="helene") == ["Merci"]
    assert found(new_agency, person="zoe  mart") == ["inbox.item_closed"]
    assert found(new_agency, person="okafor") == ["Pothole on Elm"]
    # A part of a name need not begin one of its words.
    assert (
        found(new_agency, person="kafor")
        == found(new_agency, person="mara o")
        == ["Pothole on Elm"]
    )
    # A name is found whole or in part, never across two of an event's names.
    assert found(new_agency, person="okafor amara") == []


def seven_reports_placed(agency: Agency) -> None:
    """Record seven reports of the bridge by seven citizens (every third one edited) and
    wait until the log has placed them."""
    for n in range(7):
        verb = "inbox.item_edited" if n % 3 == 0 else "inbox.item_received"
        said(agency, f"The bridge is closed, report {n}", verb=verb, author_handle=f"amara_{n}")
    all_placed(agency)


def test_pages_of_a_search_by_words_or_person_are_those_of_the_whole_search(
    new_agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    seven_reports_placed(new_agency)
    monkeypatch.setattr(records, "COUNTED_AT_MOST", 4)
    searches: list[dict[str, Any]] = [
        {"words": "bridge"},
        {"words": "bridge", "action": "inbox.item_edited"},
        {"person": "AMARA"},
        {"person": "amara", "since": datetime(2000, 1, 1, tzinfo=UTC)},
        {"words": "bridge", "until": datetime(2000, 1, 1, tzinfo=UTC)},
        {"action": "inbox.item_received"},
    ]

    with agency_scope(new_agency.pk):
        for criteria in searches:
            whole = [event.pk for event in event_search(**criteria)]
            pages, shown, number = records.FoundPages(criteria, 2), [], 1
            while True:
                page = pages.page(number)
                shown += [event.pk for event in page.object_list]
                if not page.has_next():
                    break
                number += 1
            # Every page was read without counting them.
            assert "count" not in vars(pages), criteria
            assert shown == whole, criteria
            with pytest.raises(EmptyPage):
                pages.page(number + 1)
            assert pages.count == min(len(whole), 5), criteria
            assert pages.get_page(number + 1).number == pages.num_pages, criteria
        assert records.FoundPages(None, 2).count == 0
        assert list(records.FoundPages(None, 2).get_page("x").object_list) == []
        # No page past what a search can read is asked of the database.
        with pytest.raises(EmptyPage):
            records.FoundPages(searches[0], 2).page(2**30)
        assert event_search(words="bridge").count() == 7


def test_words_are_found_once_the_log_has_placed_their_event(new_agency: Agency) -> None:
    said(new_agency, "The ferry is late")
    with agency_scope(new_agency.pk):
        before = list(event_search(words="ferry"))

    assert before == []
    assert found(new_agency, words="ferry") == ["The ferry is late"]


def test_the_words_and_names_of_events_are_read_only_for_the_bound_agency(
    new_agency: Agency, committed_agency: Callable[[int], Agency]
) -> None:
    other = committed_agency(0)
    event = said(new_agency, "Le traversier est en retard", author_handle="ben_tremblay")
    all_placed(new_agency)
    found = "SELECT archive_event_found(%s, %s, NULL, NULL, NULL, NULL, true)"
    matching, naming = (found, ["traversier", None]), (found, [None, "ben_tremblay"])

    with agency_scope(other.pk), connection.cursor() as cursor:
        for query, params in (matching, naming):
            cursor.execute(query, params)
            assert cursor.fetchall() == []
    with agency_scope(new_agency.pk), connection.cursor() as cursor:
        for query, params in (matching, naming):
            cursor.execute(query, params)
            assert cursor.fetchall() == [(event.pk,)]
    with (
        pytest.raises(ProgrammingError, match="permission denied"),
        agency_scope(new_agency.pk),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM archive_eventsearch")


def test_erased_words_and_names_are_found_no_more(new_agency: Agency) -> None:
    event = said(new_agency, "My number is 555 0199, call me", author_handle="caller_555")
    assert found(new_agency, words="555") == ["My number is 555 0199, call me"]
    assert found(new_agency, person="caller_555") == ["My number is 555 0199, call me"]
    with agency_scope(new_agency.pk), transaction.atomic():
        event_content_erase(event=event, actor=SYSTEM, reason="GDPR Art. 17")

    assert found(new_agency, words="555") == []
    assert found(new_agency, person="caller_555") == []
    # Its action stays, and the erasure names it.
    erased = ["archive.content_erased", "inbox.item_received"]
    assert found(new_agency, words="inbox.item_received") == erased


def test_past_its_most_a_search_says_there_are_more(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    for text in ("One", "Two", "Three"):
        said(personas.agency_a, text, verb="test.said")
    monkeypatch.setattr(records, "COUNTED_AT_MOST", 2)
    admin = personas.client_for(personas.admin_a)
    search = reverse("record_search", args=["alpha"])
    counting = {"action": "test.said", "count": "1"}

    asked = admin.get(search, counting, headers={"HX-Request": "true"})
    more = asked.content.decode()
    monkeypatch.setattr(records, "COUNTED_AT_MOST", 3)
    counted = admin.get(search, counting, headers={"HX-Request": "true"}).content.decode()

    assert more.startswith("More than 2 records found") and "Three" not in more
    # The same address is the page with its count without script: caches keep them apart.
    assert "HX-Request" in asked["Vary"]
    assert counted.strip() == "3 records found"


def test_the_records_page_shows_what_it_found_then_counts_it(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    for text in ("One", "Two", "Three"):
        said(personas.agency_a, text, verb="test.said")
    monkeypatch.setattr("archive.views.PAGE_SIZE", 2)
    admin = personas.client_for(personas.admin_a)
    search = reverse("record_search", args=["alpha"])

    first = admin.get(search, {"action": "test.said"}).content.decode()
    second = admin.get(search, {"action": "test.said", "page": "2"}).content.decode()
    past = admin.get(search, {"action": "test.said", "page": "9"}).content.decode()
    without_script = admin.get(search, {"action": "test.said", "count": "1"}).content.decode()
    french = admin.get(
        search, {"action": "test.said", "count": "1"}, headers={"Accept-Language": "fr"}
    ).content.decode()

    # The first page: its records and a next page, the count asked for once it shows.
    assert "Three" in first and "Two" in first and "One" not in first
    assert "3 records found" not in first and "Page 1</li>" in first
    assert 'hx-get="?action=test.said&amp;count=1" hx-trigger="load"' in first
    assert '<noscript><a class="usa-link" href="?action=test.said&amp;count=1">' in first
    assert "action=test.said&amp;page=2" in first
    assert "One" in second and "Three" not in second and "Page 2</li>" in second
    assert "Next page" not in second and "action=test.said&amp;page=1" in second
    # Past the last page, the last page; without script, the page with its count.
    assert "One" in past and "Page 2</li>" in past
    assert "3 records found" in without_script and 'hx-get="?action' not in without_script
    assert "Three" in without_script
    assert "3 documents trouvés" in french


def test_only_records_officers_and_admins_read_the_records(personas: Personas) -> None:
    event = said(personas.agency_a, "Hello")
    records = reverse("record_search", args=["alpha"])
    page = reverse("record_detail", args=["alpha", event.pk])

    author = personas.client_for(personas.author_a)
    assert author.get(records).status_code == 403
    assert author.get(page).status_code == 403
    assert "Records" not in author.get(reverse("inbox_list", args=["alpha"])).content.decode()
    admin = personas.client_for(personas.admin_a)
    assert admin.get(page).status_code == 200
    assert reverse("record_search", args=["alpha"]) in admin.get(records).content.decode()
    other = personas.client_for(personas.admin_b)
    assert other.get(reverse("record_detail", args=["beta", event.pk])).status_code == 404
    assert "Hello" not in other.get(reverse("record_search", args=["beta"])).content.decode()


def test_records_officers_search_the_archive_through_the_api(new_agency: Agency) -> None:
    said(new_agency, "Le pont est fermé", author_handle="hugo_lefebvre")
    said(new_agency, "Thanks for the update")
    all_placed(new_agency)
    _key, token = api_key_for(new_agency, Role.RECORDS_OFFICER)
    officer = Client(headers={"Authorization": f"Bearer {token}"})
    events = f"/api/agencies/{new_agency.slug}/archive/events/"

    found_ = officer.get(events, {"q": "ferme", "person": "hugo"}).json()["results"]
    everything = officer.get(events).json()["results"]
    _key, author_token = api_key_for(new_agency, Role.AUTHOR)
    author = Client(headers={"Authorization": f"Bearer {author_token}"})
    bad = officer.get(events, {"since": "yesterday"})

    assert [event["data"]["text"] for event in found_] == ["Le pont est fermé"]
    assert found_[0]["verb"] == "inbox.item_received" and found_[0]["erased"] is False
    assert {event["verb"] for event in everything} >= {"inbox.item_received"}
    assert author.get(events).status_code == 403
    assert bad.status_code == 400


def test_the_api_pages_a_search_as_the_records_section_does_and_counts_it_whole(
    new_agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    seven_reports_placed(new_agency)
    monkeypatch.setattr(records, "COUNTED_AT_MOST", 4)
    _key, token = api_key_for(new_agency, Role.RECORDS_OFFICER)
    officer = Client(headers={"Authorization": f"Bearer {token}"})
    events = f"/api/agencies/{new_agency.slug}/archive/events/"

    searches: tuple[dict[str, str | int], ...] = (
        {"q": "bridge"},
        {"person": "amara", "action": "inbox.item_received"},
    )
    for criteria, count in zip(searches, (7, 4), strict=True):
        with agency_scope(new_agency.pk):
            whole = [
                event.pk
                for event in event_search(
                    words=str(criteria.get("q", "")),
                    person=str(criteria.get("person", "")),
                    action=str(criteria.get("action", "")),
                )
            ]
        pages = [
            officer.get(events, dict(criteria, page_size=2, page=number)).json()
            for number in range(1, (count + 1) // 2 + 1)
        ]
        shown = [event["id"] for page in pages for event in page["results"]]
        assert len(whole) == count and shown == whole, criteria
        assert {page["count"] for page in pages} == {count}, criteria
    for number in ("5", "2147483647"):
        past = officer.get(events, {"q": "bridge", "page_size": "2", "page": number})
        assert past.status_code == 404
        assert past["Content-Type"] == "application/problem+json"


def test_a_record_shows_the_history_of_what_it_is_about(personas: Personas) -> None:
    agency, member = personas.agency_a, personas.author_a
    with agency_scope(agency.pk):
        with transaction.atomic():
            first = archive.record(
                agency=agency, actor=SYSTEM, verb="test.received", obj=member, data={"text": "Hi"}
            )
        with transaction.atomic():
            archive.record(
                agency=agency, actor=SYSTEM, verb="test.hidden", obj=member, data={"text": "Hi!"}
            )
    page = personas.client_for(personas.admin_a).get(
        reverse("record_detail", args=["alpha", first.pk])
    )
    shown = page.content.decode()
    assert "The history of what it is about" in shown
    assert shown.index("test.received") < shown.index("test.hidden")


def test_a_hidden_comment_shows_the_conversation_it_belonged_to(personas: Personas) -> None:
    agency, item, other = personas.agency_a, personas.author_a, personas.admin_a
    with agency_scope(agency.pk), transaction.atomic():
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            obj=other,
            data={"network": "x", "thread": "7", "text": "Is the pool open?", "language": "en"},
        )
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            obj=item,
            data={"network": "x", "thread": "7", "text": "It is a disgrace", "language": "en"},
        )
        hidden = archive.record(agency=agency, actor=SYSTEM, verb="inbox.item_hidden", obj=item)
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.reply_written",
            data={"network": "x", "thread": "7", "text": "It opens at nine."},
        )
        # The same thread number on another network is another conversation.
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            data={"network": "mastodon", "thread": "7", "text": "Unrelated"},
        )
    shown = (
        personas.client_for(personas.admin_a)
        .get(reverse("record_detail", args=["alpha", hidden.pk]))
        .content.decode()
    )
    assert "The conversation it belongs to" in shown
    conversation = shown[shown.index("The conversation it belongs to") :]
    assert conversation.index("Is the pool open?") < conversation.index("It is a disgrace")
    assert "It opens at nine." in conversation and "Unrelated" not in conversation


def test_a_record_offers_the_content_its_values_name_not_its_keys(personas: Personas) -> None:
    agency = personas.agency_a
    with agency_scope(agency.pk), transaction.atomic():
        named, keyed = archive.keep_documents(
            agency=agency, documents=[{"text": "Named"}, {"text": "Keyed"}]
        )
        event = archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="test.kept",
            data={"media": [{"sha256": named, "alt": "A map"}], "seen": {keyed: True}},
        )
    shown = (
        personas.client_for(personas.admin_a)
        .get(reverse("record_detail", args=["alpha", event.pk]))
        .content.decode()
    )
    kept = shown[shown.index("Content kept whole") :]
    assert reverse("record_content", args=["alpha", named]) in kept
    assert reverse("record_content", args=["alpha", keyed]) not in kept
