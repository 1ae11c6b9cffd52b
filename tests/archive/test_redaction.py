"""Redaction: words and image areas a records officer keeps out of a request's released
copy, which leaves no trace of them (its PDF's text, its files, its images' pixels) while
its events still prove their place in the signed log; suggestions of personal data, and
a person's access request with every third party redacted; the original stays sealed."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

import archive
from accounts.models import Agency, Role, User
from archive.exports import package_start
from archive.models import (
    ExportPackage,
    PackageStatus,
    RecordsRequest,
    RedactionReason,
    RequestKind,
)
from archive.package_check import FolderSource, package_check
from archive.redaction import (
    Area,
    redaction_mark,
    redaction_remove,
    review,
    third_parties_mark,
)
from archive.services import SYSTEM
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed, request_with_search
from tests.archive.test_packages import unzipped
from tests.factories import api_key_for

THIRD_PARTY = "Jean Tremblay"
EMAIL = "jean.tremblay@exemple.ca"
PHONE = "+1 613 555 0199"


def photo() -> bytes:
    """A white PNG of 40 by 20 pixels: the photo a citizen attached."""
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="PNG")
    return out.getvalue()


def complaint(agency: Agency) -> str:
    """Record, committed, a citizen's comment naming a third party, with a photo (whose
    hash is returned), kept whole as published content is; and the agency's answer;
    both placed in the log, where searches find them."""
    image = hashlib.sha256(photo()).hexdigest()
    with agency_scope(agency.pk), transaction.atomic():
        document = {
            "network": "mastodon",
            "thread": "7",
            "author_handle": "@amara@social.example",
            "author_name": "Amara Okafor",
            "text": f"My neighbour {THIRD_PARTY} ({EMAIL}, {PHONE}) blocks the lane;"
            " ask @jtremblay.",
            "language": "en",
            "media": [{"sha256": image, "alt_text": "A lane"}],
        }
        _kept, content = archive.keep(
            agency=agency,
            contents=[(photo(), "image/png"), (json.dumps(document).encode(), "application/json")],
        )
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            obj=agency,
            data=document | {"content": content},
        )
    with agency_scope(agency.pk), transaction.atomic():
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.reply_written",
            data={"network": "mastodon", "thread": "7", "text": f"We wrote to {THIRD_PARTY}."},
        )
    all_placed(agency)
    return image


def built(request: RecordsRequest, officer: User, *, released: bool) -> ExportPackage:
    with agency_scope(request.agency_id):
        package = package_start(
            request=request,
            actor=officer,
            person=officer,
            time_zone="UTC",
            language="en",
            released=released,
        )
        package.refresh_from_db()
    assert package.status == PackageStatus.READY, package.failure
    return package


def every_byte(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file())


def test_a_released_copy_leaves_no_trace_of_what_is_redacted_and_still_checks(
    new_agency: Agency, officer: User, eager: None, tmp_path: Path
) -> None:
    image = complaint(new_agency)
    request = request_with_search(
        new_agency,
        officer,
        RequestKind.PUBLIC_RECORDS,
        {"action": "inbox."},
        subject=f"Complaints about {THIRD_PARTY}",
    )
    with agency_scope(new_agency.pk):
        for words in (THIRD_PARTY, EMAIL, PHONE):
            redaction_mark(
                request=request,
                actor=officer,
                person=officer,
                reason=RedactionReason.FOIA_PRIVACY,
                words=words.lower(),
            )
        redaction_mark(
            request=request,
            actor=officer,
            person=officer,
            reason=RedactionReason.FOIA_PRIVACY,
            image=image,
            area=Area(0, 0, 0.5, 1),
        )

    released = unzipped(built(request, officer, released=True), tmp_path / "released")

    assert package_check(FolderSource(released), public_key=None).events == 2
    everything = every_byte(released)
    for words in (THIRD_PARTY, EMAIL, PHONE, "Tremblay"):
        assert words.encode() not in everything
    (pdf,) = sorted((released / "data/pages").glob("*.pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Tremblay" not in text and "613" not in text
    assert "Amara Okafor" in text and "[redacted · FOIA (b)(6)]" in text.replace("\n", " ")
    # The PDF shows the photo as burned.
    (shown_photo,) = [image.image for page in PdfReader(pdf).pages for image in page.images]
    assert shown_photo is not None
    assert shown_photo.convert("RGB").getpixel((5, 10)) == (0, 0, 0)
    assert shown_photo.convert("RGB").getpixel((35, 10)) == (255, 255, 255)
    # The photo's left half is burned black; its right half is as it was.
    (burned,) = (released / "data/media").iterdir()
    # The kept document names the photo by the hash of what it became.
    (document,) = (released / "data/documents.jsonl").read_text().splitlines()
    assert burned.name in document and image not in document
    with Image.open(burned) as shown:
        pixels = shown.convert("RGB")
        assert {pixels.getpixel((x, y)) for x in range(20) for y in range(20)} == {(0, 0, 0)}
        assert {pixels.getpixel((x, y)) for x in range(20, 40) for y in range(20)} == {
            (255, 255, 255)
        }
    # Each event still proves its place; the redacted ones carry no salt.
    lines = [json.loads(line) for line in (released / "data/events.jsonl").read_text().splitlines()]
    assert all("redacted" in line and "event_content" not in line for line in lines)
    listed = json.loads((released / "data/redactions.json").read_text())
    assert [mark["code"] for mark in listed["marks"]] == ["FOIA (b)(6)"] * 4
    assert {entry.get("event") for entry in listed["applied"]} >= {line["id"] for line in lines}

    # The original stays sealed: the complete package holds it all.
    complete = unzipped(built(request, officer, released=False), tmp_path / "complete")
    assert THIRD_PARTY.encode() in every_byte(complete)
    assert not list((complete / "data/pages").glob("*.pdf"))


def test_an_access_request_has_every_third_party_redacted_but_the_person(
    new_agency: Agency, officer: User
) -> None:
    complaint(new_agency)
    request = request_with_search(
        new_agency, officer, RequestKind.PERSONAL_DATA, {"person": "amara"}
    )
    with agency_scope(new_agency.pk):
        found = {suggestion.words: suggestion for suggestion in review(request).suggestions}
        assert {"Amara Okafor", "@amara@social.example", EMAIL, PHONE, "@jtremblay"} <= set(found)
        assert found["Amara Okafor"].own and found["@amara@social.example"].own
        assert not found[EMAIL].own
    # She wrote again, naming someone else: past what the page reads, not past what
    # redacting every third party reads.
    with agency_scope(new_agency.pk), transaction.atomic():
        archive.record(
            agency=new_agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            obj=new_agency,
            data={"author_name": "Amara Okafor", "text": "Write to zoe@example.org too."},
        )
    all_placed(new_agency)
    with agency_scope(new_agency.pk):
        assert "zoe@example.org" not in {s.words for s in review(request, read=1).suggestions}

        marked = third_parties_mark(request=request, actor=officer, person=officer)

        words = {row.words: row.reason for row in request.redactions.all()}
        assert marked == len(words) and {EMAIL, PHONE, "@jtremblay", "zoe@example.org"} <= set(
            words
        )
        assert set(words.values()) == {RedactionReason.OTHERS_DATA}
        assert "Amara Okafor" not in words
        # What is marked is no longer suggested.
        assert {suggestion.words for suggestion in review(request).suggestions} == {
            "Amara Okafor",
            "@amara@social.example",
        }
        redaction_remove(redaction=request.redactions.get(words=EMAIL), actor=officer)
        assert EMAIL in {suggestion.words for suggestion in review(request).suggestions}


def test_a_mark_says_what_is_wrong_with_it(new_agency: Agency, officer: User) -> None:
    image = complaint(new_agency)
    request = request_with_search(
        new_agency, officer, RequestKind.PUBLIC_RECORDS, {"action": "inbox."}
    )

    def mark(**given: object) -> None:
        redaction_mark(request=request, actor=officer, person=officer, **given)  # type: ignore[arg-type]

    with agency_scope(new_agency.pk):
        privacy = RedactionReason.FOIA_PRIVACY
        cases = [
            ({"reason": "because", "words": "Jean"}, "reason"),
            ({"words": " J "}, "words"),
            ({"words": "x" * 201}, "words"),
            ({"image": image}, "area"),
            ({"image": image, "area": Area(0.6, 0, 0.5, 1)}, "area"),
            ({"image": image, "area": Area(0, 0, 0, 1)}, "area"),
            ({"image": "0" * 64, "area": Area(0, 0, 1, 1)}, "image"),
        ]
        for given, field in cases:
            with pytest.raises(GovsocialError) as refused:
                mark(**({"reason": privacy} | given))
            assert refused.value.field == field, given
        mark(reason=RedactionReason.FOIA_PRIVACY, words="Jean  Tremblay")
        with pytest.raises(Conflict):
            mark(reason=RedactionReason.OTHERS_DATA, words="JEAN TREMBLAY")
        assert request.redactions.get().words == "Jean Tremblay"
        with pytest.raises(Conflict):
            third_parties_mark(request=request, actor=officer, person=officer)


def test_officers_redact_on_the_workbench_and_integrators_through_the_api(
    new_agency: Agency, officer: User, eager: None
) -> None:
    image = complaint(new_agency)
    request = request_with_search(
        new_agency, officer, RequestKind.PERSONAL_DATA, {"person": "amara"}
    )
    client = Client()
    client.force_login(officer)
    page = reverse("records_redaction", args=[new_agency.slug, request.pk])

    shown = client.get(page).content.decode()
    assert EMAIL in shown, shown
    assert "A third party" in shown and image in shown
    done = client.post(page, {"third_parties": "1"}, follow=True).content.decode()
    assert "third parties are redacted" in done
    refused = client.post(page, {"mark": "1", "words": "x", "reason": "foia_b6"})
    assert refused.status_code == 400
    assert "Give at least two letters to redact." in refused.content.decode()
    area = {"mark": "1", "image": image, "reason": "gdpr_15_4"}
    client.post(page, area | {"left": "0", "top": "0", "width": "50", "height": "100"})
    with agency_scope(new_agency.pk):
        marked = request.redactions.get(image=image)
    assert (marked.left, marked.width, marked.height) == (0, 0.5, 1)
    client.post(page, {"remove": str(marked.pk)})
    client.post(page, {"release": "1"})
    with agency_scope(new_agency.pk):
        assert not request.redactions.filter(image=image).exists()
        package = request.packages.get()
    assert package.released and package.status == PackageStatus.READY, package.failure
    assert (
        "Released copy, redacted"
        in client.get(
            reverse("records_request", args=[new_agency.slug, request.pk])
        ).content.decode()
    )

    _key, secret = api_key_for(new_agency, Role.RECORDS_OFFICER)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    base = f"/api/agencies/{new_agency.slug}/archive"
    suggested = Client().get(f"{base}/requests/{request.pk}/suggestions/", **auth).json()
    assert {row["words"] for row in suggested} == {"Amara Okafor", "@amara@social.example"}
    made = Client().post(
        f"{base}/redactions/",
        {"request": request.pk, "image": image, "left": 0.25, "top": 0, "width": 0.5,
         "height": 0.5, "reason": "gdpr_15_4"},
        content_type="application/json",
        **auth,
    )  # fmt: skip
    assert made.status_code == 201, made.content
    listed = Client().get(f"{base}/redactions/?request={request.pk}", **auth).json()
    assert image in {row["image"] for row in listed["results"]}
    outside = Client().post(
        f"{base}/redactions/",
        {"request": request.pk, "image": image, "left": 0.75, "top": 0, "width": 0.5,
         "height": 0.5, "reason": "gdpr_15_4"},
        content_type="application/json",
        **auth,
    )  # fmt: skip
    assert outside.status_code == 400
    assert Client().delete(f"{base}/redactions/{made.json()['id']}/", **auth).status_code == 204
    started = Client().post(
        f"{base}/requests/{request.pk}/packages/",
        {"released": True},
        content_type="application/json",
        **auth,
    )
    assert started.status_code == 202 and started.json()["released"] is True
