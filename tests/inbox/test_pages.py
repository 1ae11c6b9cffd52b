"""The inbox's pages: what citizens wrote, newest first, narrowed by filters and a
search; one item in its conversation with its versions; those who work the inbox change
its status and give it to someone, on the record; others only read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, ItemStatus
from inbox.services import items_receive
from tests.conftest import Personas
from tests.factories import MembershipFactory, social_account_for
from tests.inbox.conftest import citizen

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.fixture
def received(personas: Personas) -> list[InboxItem]:
    """Three items on agency A's account: a question, its answer by another citizen,
    and a French message."""
    account = social_account_for(personas.agency_a, handle="riverton")
    with agency_scope(personas.agency_a.pk):
        return items_receive(
            account=account,
            items=[
                citizen("c1", "When does the pool reopen after the repairs?", created_at=NOON),
                citizen(
                    "c2",
                    "It said Monday on the website",
                    author_handle="ben_tremblay",
                    author_name="Ben Tremblay",
                    in_reply_to_remote_id="c1",
                    created_at=NOON + timedelta(minutes=5),
                ),
                citizen(
                    "m1",
                    "Bonjour, la piscine est-elle ouverte aujourd'hui ?",
                    kind="message",
                    created_at=NOON + timedelta(minutes=10),
                ),
            ],
        )


def test_the_inbox_lists_items_newest_first_and_narrows_them(
    personas: Personas, received: list[InboxItem]
) -> None:
    client = personas.client_for(personas.author_a)
    url = reverse("inbox_list", args=["alpha"])

    page = client.get(url).content.decode()
    french = client.get(url, {"language": "fr"}).content.decode()
    searched = client.get(url, {"q": "MONDAY"}).content.decode()
    messages = client.get(url, {"kind": "message"}).content.decode()
    unknown = client.get(url, {"account": "99999"})

    assert (
        page.index("Bonjour, la piscine") < page.index("It said Monday") < page.index("When does")
    )
    assert 'lang="fr"' in page
    assert "Bonjour" in french and "It said Monday" not in french
    assert "It said Monday" in searched and "When does" not in searched
    assert "Bonjour" in messages and "When does" not in messages
    assert unknown.status_code == 200 and "No item matches." in unknown.content.decode()


def test_an_item_shows_its_conversation_and_a_worker_moves_and_assigns_it(
    personas: Personas, received: list[InboxItem]
) -> None:
    _question, answer, _message = received
    client = personas.client_for(personas.author_a)
    url = reverse("inbox_item", args=["alpha", answer.pk])

    page = client.get(url).content.decode()
    closed = client.post(url, {"status": ItemStatus.CLOSED}, follow=True)
    assigned = client.post(url, {"assignee": personas.author_a.user_id}, follow=True)

    assert page.index("When does the pool reopen") < page.index("It said Monday")
    assert 'aria-current="true"' in page
    assert "The item&#x27;s status is changed." in closed.content.decode()
    assert "Who has the item is saved." in assigned.content.decode()
    with agency_scope(personas.agency_a.pk):
        item = InboxItem.objects.get(pk=answer.pk)
        verbs = list(
            ArchiveEvent.objects.filter(object_id=str(answer.pk), verb__startswith="inbox.")
            .order_by("id")
            .values_list("verb", "data")
        )
    assert (item.status, item.assignee_id) == (ItemStatus.CLOSED, personas.author_a.user_id)
    assert verbs[1:] == [
        ("inbox.item_status_changed", {"before": "open", "after": "closed"}),
        ("inbox.item_assigned", {"assignee": personas.author_a.user.email}),
    ]


def test_a_viewer_reads_the_inbox_but_works_nothing(
    personas: Personas, received: list[InboxItem]
) -> None:
    viewer = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER])
    client = personas.client_for(viewer)
    url = reverse("inbox_item", args=["alpha", received[0].pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {"status": ItemStatus.CLOSED})

    assert "When does the pool reopen" in page and "Change the status" not in page
    assert refused.status_code == 400
    assert "Only the agency&#x27;s admins, approvers and authors work its inbox." in (
        refused.content.decode()
    )
    with agency_scope(personas.agency_a.pk):
        assert InboxItem.objects.get(pk=received[0].pk).status == ItemStatus.OPEN


def test_an_item_cannot_be_given_to_someone_who_does_not_work_the_inbox(
    personas: Personas, received: list[InboxItem]
) -> None:
    viewer = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER])
    client = personas.client_for(personas.admin_a)
    url = reverse("inbox_item", args=["alpha", received[0].pk])

    refused = client.post(url, {"assignee": viewer.user_id})

    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()


def test_the_inbox_speaks_french(personas: Personas, received: list[InboxItem]) -> None:
    client = personas.client_for(personas.author_a)
    page = client.get(reverse("inbox_list", args=["alpha"]), headers={"Accept-Language": "fr"})
    assert "Boîte de réception" in page.content.decode()


def test_a_long_inbox_comes_in_pages(personas: Personas) -> None:
    account = social_account_for(personas.agency_a)
    with agency_scope(personas.agency_a.pk):
        items_receive(
            account=account,
            items=[
                citizen(f"c{n}", f"Comment number {n}.", created_at=NOON + timedelta(minutes=n))
                for n in range(51)
            ],
        )
    client = personas.client_for(personas.author_a)
    url = reverse("inbox_list", args=["alpha"])

    first = client.get(url, {"status": "open"}).content.decode()
    second = client.get(url, {"status": "open", "page": 2}).content.decode()

    assert "Page 1 of 2" in first and "status=open&amp;page=2" in first
    assert "Comment number 50." in first and "Comment number 0." not in first
    assert "Comment number 0." in second and "Previous page" in second


def test_the_inbox_page_hears_of_new_items_without_reloading(
    personas: Personas, received: list[InboxItem]
) -> None:
    client = personas.client_for(personas.author_a)
    page = client.get(reverse("inbox_list", args=["alpha"])).content.decode()
    newest = max(item.pk for item in received)
    arrivals = reverse("inbox_arrivals", args=["alpha"])
    assert f'{arrivals}?after={newest}&amp;told=0"' in page and 'role="status"' in page

    nothing = client.get(arrivals, {"after": newest, "told": 0})
    with agency_scope(personas.agency_a.pk):
        items_receive(
            account=received[0].account,
            items=[
                citizen("c9", "Thank you!", created_at=NOON + timedelta(hours=1)),
                citizen("c10", "Merci !", created_at=NOON + timedelta(hours=2)),
            ],
        )
    two = client.get(arrivals, {"after": newest, "told": 0})
    again = client.get(arrivals, {"after": newest, "told": 2})

    assert nothing.status_code == 204
    assert "2 new items arrived." in two.content.decode()
    assert f"after={newest}&amp;told=2" in two.content.decode()
    assert again.status_code == 204


def test_members_note_and_tag_an_item_and_find_it_by_its_tag(
    personas: Personas, received: list[InboxItem]
) -> None:
    client = personas.client_for(personas.author_a)
    url = reverse("inbox_item", args=["alpha", received[0].pk])

    noted = client.post(url, {"note": "Ask the pools team."}, follow=True)
    tagged = client.post(url, {"tags": "pools, complaint, pools, "}, follow=True)
    too_many = client.post(url, {"tags": ",".join(f"t{n}" for n in range(11))})
    listed = client.get(reverse("inbox_list", args=["alpha"]), {"tag": "pools"})

    assert "The note is added." in noted.content.decode()
    assert "Ask the pools team." in noted.content.decode()
    assert "The tags are saved." in tagged.content.decode()
    assert too_many.status_code == 400 and "at most 10 tags" in too_many.content.decode()
    assert "When does the pool reopen" in listed.content.decode()
    assert "Bonjour" not in listed.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert InboxItem.objects.get(pk=received[0].pk).tags == ["pools", "complaint"]
        verbs = set(ArchiveEvent.objects.values_list("verb", flat=True))
    assert {"inbox.note_added", "inbox.item_tagged"} <= verbs
