"""A person's request to erase their personal data: the review counts what the saved
searches find by series and says which the law keeps and why; carrying it out erases a
citizen's comment everywhere it lives — the log's content, its words, its kept document,
the inbox — while the log and every package's proofs still check, and answers the
request with what was refused and why."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import archive
from accounts.models import Agency, Role, User
from archive import package_records
from archive.models import (
    ArchiveEvent,
    PackageStatus,
    RecordsRequest,
    RequestStatus,
    package_name,
)
from archive.package_check import FolderSource, package_check
from archive.records import event_search
from archive.requests import request_open, search_save
from archive.selectors import content_open
from archive.services import event_content_erase
from archive.subjects import erasure_carry_out, erasure_review, objection_refuse
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from inbox.replies import reply_create, reply_held
from inbox.services import items_receive
from publishing.networks.base import InboundItem, InboundKind
from tests.archive.conftest import all_placed, request_with_search
from tests.archive.test_packages import packaged, unzipped
from tests.factories import MembershipFactory, api_key_for, inbox_item_for, social_account_for

AMARA = "Hello, I am Amara Okafor and my number is 555-0199"


def comment_by(agency: Agency, handle: str, text: str) -> InboxItem:
    """Receive a comment of ``handle``'s on an account of ``agency``."""
    comment = InboundItem(
        remote_id=uuid.uuid4().hex,
        kind=InboundKind.COMMENT,
        author_handle=handle,
        author_name=handle.title(),
        text=text,
        created_at=timezone.now(),
    )
    with agency_scope(agency.pk):
        (item,) = items_receive(account=social_account_for(agency), items=[comment])
    return item


def erasure_request(agency: Agency, officer: User, person: str) -> RecordsRequest:
    """Open a request to erase what ``person`` wrote, with the search that finds it."""
    return request_with_search(agency, officer, "erasure", {"person": person})


def test_an_erasure_request_erases_a_comment_everywhere_and_the_proofs_still_hold(
    new_agency: Agency, officer: User, eager: None, tmp_path: Path
) -> None:
    hers = inbox_item_for(new_agency, AMARA)
    other = comment_by(new_agency, "ben_tremblay", "The ferry is late again")
    with agency_scope(new_agency.pk), transaction.atomic():
        # The agency hid her comment: a record of its public task, which the law keeps.
        archive.record(agency=new_agency, actor=officer, verb="inbox.item_hidden", obj=hers)
    all_placed(new_agency)
    call_command("archive_sign", agency=new_agency.slug, stdout=StringIO())
    # Packages built before: one holds her comment, one does not.
    holding = packaged(new_agency, {"person": "amara_okafor"})
    elsewhere = packaged(new_agency, {"person": "ben_tremblay"})
    assert (holding.status, elsewhere.status) == (PackageStatus.READY, PackageStatus.READY)
    request = erasure_request(new_agency, officer, "amara_okafor")

    with agency_scope(new_agency.pk):
        review = {row.series.code.value: row for row in erasure_review(request=request)}
    assert set(review) == {"citizens_answered", "inbox_work"}
    assert (review["citizens_answered"].found, review["citizens_answered"].to_erase) == (1, 1)
    assert review["inbox_work"].to_erase == 0
    assert "Art. 17(3)(b)" in review["inbox_work"].exemption

    with agency_scope(new_agency.pk):
        outcome = erasure_carry_out(request=request, actor=officer)
        with pytest.raises(Conflict):
            erasure_carry_out(request=request, actor=officer)

    assert [(row.series.code.value, row.erased) for row in outcome] == [
        ("citizens_answered", 1),
        ("inbox_work", 0),
    ]
    with agency_scope(new_agency.pk):
        item = InboxItem.objects.get(pk=hers.pk)
        assert (item.text, item.author_handle, item.author_name) == ("", "", "")
        assert item.erased_at is not None
        assert list(item.versions.values_list("text", flat=True)) == [""]
        assert content_open(sha256=item.versions.get().content) is None
        received = ArchiveEvent.objects.get(verb="inbox.item_received", object_id=str(hers.pk))
        assert received.data == {} and received.salt == ""
        assert InboxItem.objects.get(pk=other.pk).text == "The ferry is late again"
        assert RecordsRequest.objects.get(pk=request.pk).status == RequestStatus.ANSWERED
        answered = ArchiveEvent.objects.get(verb="records.erasure_answered")
        assert [row["series"] for row in answered.data["series"]] == [
            "citizens_answered",
            "inbox_work",
        ]
        assert answered.data["series"][1]["exemption"].startswith("GDPR Art. 17(3)(b)")
        # The package that held her comment is withdrawn and its file deleted.
        holding.refresh_from_db()
        elsewhere.refresh_from_db()
        assert (holding.status, elsewhere.status) == (PackageStatus.WITHDRAWN, PackageStatus.READY)
        assert ArchiveEvent.objects.filter(verb="records.package_withdrawn").count() == 1
    assert not storages["packages"].exists(package_name(new_agency.pk, holding.pk))
    assert storages["packages"].exists(package_name(new_agency.pk, elsewhere.pk))
    all_placed(new_agency)
    with agency_scope(new_agency.pk):
        # Only the exempt record of the agency's moderation still names what it hid.
        found = event_search(words="555-0199 Okafor")
        assert list(found.values_list("verb", flat=True)) == ["inbox.item_hidden"]
    verified = StringIO()
    call_command("archive_verify", agency=new_agency.slug, stdout=verified)
    assert "intact" in verified.getvalue()
    # A package made now holds the erased record as erased, and its proofs check.
    package = packaged(new_agency, {"action": "inbox."})
    assert package.status == PackageStatus.READY, package.failure
    assert package_check(FolderSource(unzipped(package, tmp_path)), public_key=None).events >= 3


def test_a_package_being_built_while_a_record_of_it_is_erased_is_built_again_without_it(
    new_agency: Agency, officer: User, eager: None, tmp_path: Path
) -> None:
    hers = inbox_item_for(new_agency, AMARA)
    all_placed(new_agency)
    with agency_scope(new_agency.pk):
        received = ArchiveEvent.objects.get(verb="inbox.item_received", object_id=str(hers.pk))

    def erase() -> None:
        try:
            with agency_scope(new_agency.pk):
                event_content_erase(event=received, actor=officer, reason="Art. 17")
        finally:
            connection.close()

    write = package_records.contents_write
    rounds = []

    def erased_meanwhile(*args: Any, **kwargs: Any) -> None:
        # The first round has read her comment already when the erasure commits.
        if not rounds:
            with ThreadPoolExecutor(1) as elsewhere:
                elsewhere.submit(erase).result()
        rounds.append(1)
        write(*args, **kwargs)

    with patch.object(package_records, "contents_write", erased_meanwhile):
        package = packaged(new_agency, {"action": "inbox."})

    assert package.status == PackageStatus.READY, package.failure
    assert len(rounds) == 2
    root = unzipped(package, tmp_path)
    assert package_check(FolderSource(root), public_key=None).events == 1
    for file in root.rglob("*"):
        assert not file.is_file() or b"555-0199" not in file.read_bytes(), file


def test_only_an_open_erasure_request_with_a_search_erases(
    new_agency: Agency, officer: User
) -> None:
    with agency_scope(new_agency.pk):
        bare = request_open(
            agency=new_agency, actor=officer, person=officer, kind="erasure",
            requester="Lee", subject="Erase me", received_on=date.today(),
        )  # fmt: skip
        with pytest.raises(GovsocialError, match="Save a search"):
            erasure_carry_out(request=bare, actor=officer)
        foia = request_open(
            agency=new_agency, actor=officer, person=officer, kind="public_records",
            requester="Lee", subject="Everything", received_on=date.today(),
        )  # fmt: skip
        with pytest.raises(GovsocialError, match="Only a request to erase"):
            erasure_carry_out(request=foia, actor=officer)
        assert (
            bare.due_on.month != bare.received_on.month or bare.due_on.year > bare.received_on.year
        )


def test_officers_erase_from_the_request_page_and_integrators_through_the_api(
    new_agency: Agency, officer: User
) -> None:
    hers = inbox_item_for(new_agency, AMARA)
    all_placed(new_agency)
    on_page = erasure_request(new_agency, officer, "amara_okafor")
    client = Client()
    client.force_login(officer)
    page = reverse("records_request", args=[new_agency.slug, on_page.pk])

    shown = client.get(page).content.decode()
    assert "Citizens&#x27; messages that needed no action" in shown
    assert "Erase what the law does not keep" in shown
    done = client.post(page, {"erase": "1"}, follow=True).content.decode()
    assert "The erasure is carried out: 1 records erased" in done
    assert "Erase what the law does not keep" not in done
    with agency_scope(new_agency.pk):
        assert InboxItem.objects.get(pk=hers.pk).erased_at is not None

    theirs = comment_by(new_agency, "ben_tremblay", "Please call me at 555-0142")
    all_placed(new_agency)
    through_api = erasure_request(new_agency, officer, "ben_tremblay")
    _key, secret = api_key_for(new_agency, Role.RECORDS_OFFICER)
    url = f"/api/agencies/{new_agency.slug}/archive/requests/{through_api.pk}/erasure/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    reviewed = Client().get(url, **auth).json()
    assert reviewed["done"] is False
    assert [(s["series"], s["to_erase"]) for s in reviewed["series"]] == [("citizens_routine", 1)]
    carried = Client().post(url, **auth).json()
    assert carried["done"] is True and carried["series"][0]["erased"] == 1
    with agency_scope(new_agency.pk):
        assert InboxItem.objects.get(pk=theirs.pk).text == ""
    assert Client().post(url, **auth).status_code == 409


def test_a_restriction_hides_a_persons_items_from_all_but_records_officers_until_lifted(
    new_agency: Agency, officer: User
) -> None:
    hers = inbox_item_for(new_agency, AMARA)
    other = comment_by(new_agency, "ben_tremblay", "The ferry is late again")
    all_placed(new_agency)
    with agency_scope(new_agency.pk):
        request = request_open(
            agency=new_agency, actor=officer, person=officer, kind="restriction",
            requester="Amara Okafor", subject="Stop using what I wrote", received_on=date.today(),
        )  # fmt: skip
        search_save(
            request=request,
            actor=officer,
            person=officer,
            name="Amara",
            criteria={"person": "amara_okafor"},
        )
    writer = MembershipFactory(agency=new_agency, roles=[Role.ADMIN, Role.AUTHOR]).user
    with agency_scope(new_agency.pk):
        # Written before the restriction: held until it is lifted.
        waiting = reply_create(item=hers, text="Thanks, we will call you", actor=writer)
    author, records = Client(), Client()
    author.force_login(writer)
    records.force_login(officer)
    page = reverse("records_request", args=[new_agency.slug, request.pk])
    item_page = reverse("inbox_item", args=[new_agency.slug, hers.pk])
    inbox = reverse("inbox_list", args=[new_agency.slug])

    done = records.post(page, {"restrict": "1"}, follow=True).content.decode()

    assert "The processing is restricted (1 items)" in done and "Lift the restriction" in done
    listed = author.get(inbox).content.decode()
    assert "The ferry is late again" in listed and "555-0199" not in listed
    assert author.get(item_page).status_code == 404
    shown = records.get(item_page).content.decode()
    assert "555-0199" in shown and "had its processing restricted" in shown
    with agency_scope(new_agency.pk):
        item = InboxItem.objects.get(pk=hers.pk)
        with pytest.raises(GovsocialError, match="restricted"):
            reply_create(item=item, text="Thanks, Amara", actor=writer)
        assert reply_held(reply_id=waiting.pk)
        assert InboxItem.objects.get(pk=other.pk).restricted_under == ""
    _key, secret = api_key_for(new_agency, Role.ADMIN)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    api = f"/api/agencies/{new_agency.slug}/inbox/items/"
    assert [i["id"] for i in Client().get(api, **auth).json()["results"]] == [other.pk]

    refused = records.post(page, {"lift_restriction": "1", "reason": " "}, follow=True)
    assert "Say why the restriction is lifted" in refused.content.decode()
    records.post(page, {"lift_restriction": "1", "reason": "Accuracy checked"}, follow=True)
    assert author.get(item_page).status_code == 200
    with agency_scope(new_agency.pk):
        assert not reply_held(reply_id=waiting.pk)
    with agency_scope(new_agency.pk):
        recorded = list(
            ArchiveEvent.objects.filter(verb__startswith="records.restriction")
            .order_by("id")
            .values_list("verb", "data__reason")
        )
    assert recorded == [
        ("records.restriction_applied", None),
        ("records.restriction_lifted", "Accuracy checked"),
    ]
    url = f"/api/agencies/{new_agency.slug}/archive/requests/{request.pk}/restriction/"
    _key, officer_key = api_key_for(new_agency, Role.RECORDS_OFFICER)
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {officer_key}").json() == {
        "standing": False
    }


def test_an_objection_is_upheld_by_stopping_the_processing_or_refused_for_its_grounds(
    new_agency: Agency, officer: User
) -> None:
    hers = inbox_item_for(new_agency, AMARA)
    comment_by(new_agency, "ben_tremblay", "The ferry is late again")
    all_placed(new_agency)
    upheld = request_with_search(new_agency, officer, "objection", {"person": "amara_okafor"})
    refused = request_with_search(new_agency, officer, "objection", {"person": "ben_tremblay"})
    records = Client()
    records.force_login(officer)
    page = reverse("records_request", args=[new_agency.slug, upheld.pk])
    shown = records.get(page).content.decode()
    assert "Uphold the objection" in shown and "Refuse the objection" in shown

    done = records.post(page, {"restrict": "1"}, follow=True).content.decode()

    assert "The processing is restricted (1 items)" in done and "Lift the restriction" in done
    with agency_scope(new_agency.pk):
        assert InboxItem.objects.get(pk=hers.pk).restricted_under == upheld.number

    _key, secret = api_key_for(new_agency, Role.RECORDS_OFFICER)
    url = f"/api/agencies/{new_agency.slug}/archive/requests/{refused.pk}/objection-refusal/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    empty = Client().post(url, {"grounds": ""}, content_type="application/json", **auth)
    assert empty.status_code == 400
    grounds = "The ferry complaints are evidence in the contract dispute with the operator."
    answered = Client().post(url, {"grounds": grounds}, content_type="application/json", **auth)
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    shown = records.get(reverse("records_request", args=[new_agency.slug, refused.pk]))
    assert grounds in shown.content.decode()
    assert (
        Client()
        .post(url, {"grounds": grounds}, content_type="application/json", **auth)
        .status_code
        == 409
    )
    erasure = erasure_request(new_agency, officer, "x")
    with agency_scope(new_agency.pk), pytest.raises(GovsocialError):
        objection_refuse(request=erasure, actor=officer, grounds="No")


def test_an_erased_direct_message_no_longer_names_its_author_in_its_conversation(
    new_agency: Agency, officer: User
) -> None:
    messages = [
        InboundItem(
            remote_id=uuid.uuid4().hex,
            kind=InboundKind.MESSAGE,
            author_handle="amara_okafor",
            author_name="Amara Okafor",
            text=text,
            created_at=timezone.now(),
        )
        for text in ("Can you call me?", "My number is 555-0199")
    ]
    with agency_scope(new_agency.pk):
        received = items_receive(account=social_account_for(new_agency), items=messages)
        assert {item.thread for item in received} == {"@amara_okafor"}
    all_placed(new_agency)
    request = erasure_request(new_agency, officer, "amara_okafor")

    with agency_scope(new_agency.pk):
        erasure_carry_out(request=request, actor=officer)

        threads = set(InboxItem.objects.values_list("thread", flat=True))
        assert len(threads) == 1 and threads.pop().startswith("erased-")
