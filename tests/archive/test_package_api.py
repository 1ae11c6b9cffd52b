"""Records packages through the API: a records officer's key asks for one on a request,
follows it until it is ready and downloads the ZIP, each download recorded; other roles
are refused, other agencies find nothing, a package past its time is not downloaded."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import Agency, Role
from archive.models import ArchiveEvent, ExportPackage, PackageStatus, RecordsRequest
from archive.requests import search_save
from archive.transitions import package_move
from govsocial.tenancy import agency_scope
from tests.factories import api_key_for, export_package_for, records_request_for

# How many times a test reads a package before it gives up waiting for it.
POLLS = 20


def api(agency: Agency, role: str, **headers: str) -> Client:
    """Return a client that calls the API with a new key of ``agency`` with ``role``."""
    _key, token = api_key_for(agency, role)
    return Client(headers={"Authorization": f"Bearer {token}", **headers})


def archive_of(agency: Agency) -> str:
    return f"/api/agencies/{agency.slug}/archive"


def searched_request(agency: Agency) -> RecordsRequest:
    """Open a request of ``agency`` with a search saved on it that finds the openings of
    the agency's requests."""
    request = records_request_for(agency)
    with agency_scope(agency.pk):
        search_save(
            request=request,
            actor=request.opened_by,
            person=request.opened_by,
            name="Opened",
            criteria={"action": "records.request_opened"},
        )
    return request


def ready_package(client: Client, agency: Agency, request: RecordsRequest) -> dict[str, Any]:
    """Ask for a package of ``request`` with ``client``; return it once it is ready."""
    started = client.post(f"{archive_of(agency)}/requests/{request.pk}/packages/")
    assert started.status_code == 202, started.content
    detail = f"{archive_of(agency)}/packages/{started.json()['id']}/"
    for _poll in range(POLLS):
        package: dict[str, Any] = client.get(detail).json()
        if package["status"] not in ("queued", "building"):
            break
    assert package["status"] == "ready", package
    return package


def test_a_records_officer_key_asks_for_a_package_follows_it_and_downloads_it(
    new_agency: Agency, eager: None
) -> None:
    new_agency.time_zone = "Europe/Paris"
    new_agency.save(update_fields=["time_zone"])
    officer = api(new_agency, Role.RECORDS_OFFICER, **{"Accept-Language": "fr"})
    unsearched = records_request_for(new_agency)
    request = searched_request(new_agency)

    refused = api(new_agency, Role.RECORDS_OFFICER).post(
        f"{archive_of(new_agency)}/requests/{unsearched.pk}/packages/"
    )
    package = ready_package(officer, new_agency, request)
    downloads = [officer.get(package["download"]) for _time in range(2)]
    of_request = officer.get(f"{archive_of(new_agency)}/requests/{request.pk}/packages/").json()
    listed = officer.get(f"{archive_of(new_agency)}/packages/").json()

    assert refused.status_code == 400
    assert "Save a search on the request first" in refused.json()["detail"]
    # The opening of each of the two requests.
    assert package["progress"] is None and package["events"] == 2
    assert package["request"] == request.pk and package["request_number"] == request.number
    assert [search["name"] for search in package["searches"]] == ["Opened"]
    # The key's admin chose no zone of their own: the agency's; the caller's language.
    assert (package["time_zone"], package["language"]) == ("Europe/Paris", "fr")
    assert package["download"].endswith(f"/archive/packages/{package['id']}/download/")
    assert package["expires_at"] is not None
    for download in downloads:
        assert download.status_code == 200
        assert download["Content-Type"] == "application/zip"
        assert download["Content-Disposition"] == f'attachment; filename="{package["file_name"]}"'
        body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
        assert body[:2] == b"PK"
        assert (len(body), hashlib.sha256(body).hexdigest()) == (
            package["size"], package["sha256"],
        )  # fmt: skip
    with agency_scope(new_agency.pk):
        recorded = ArchiveEvent.objects.filter(verb="records.package_downloaded")
        assert [event.data["package"] for event in recorded] == [package["id"]] * 2
    assert [found["id"] for found in of_request] == [package["id"]]
    assert [found["id"] for found in listed["results"]] == [package["id"]]


def test_one_package_of_a_request_is_built_at_a_time(new_agency: Agency) -> None:
    officer = api(new_agency, Role.RECORDS_OFFICER)
    waiting = export_package_for(new_agency)
    with agency_scope(new_agency.pk):
        # As the worker that takes it up does.
        package_move(
            package_id=waiting.pk,
            status=PackageStatus.BUILDING,
            when=[PackageStatus.QUEUED],
            started_at=timezone.now(),
        )

    again = officer.post(f"{archive_of(new_agency)}/requests/{waiting.request_id}/packages/")
    shown = officer.get(f"{archive_of(new_agency)}/packages/{waiting.pk}/").json()

    assert again.status_code == 409
    assert "being built already" in again.json()["detail"]
    assert (shown["status"], shown["progress"], shown["download"]) == ("building", 0, None)
    assert shown["requested_by"] == waiting.requested_by.email


def package_answers(client: Client, agency: Agency, request_id: int, package_id: int) -> list[Any]:
    """Return ``client``'s answers from each package endpoint under ``agency``, about
    the request and the package."""
    base = archive_of(agency)
    return [
        client.post(f"{base}/requests/{request_id}/packages/"),
        client.get(f"{base}/requests/{request_id}/packages/"),
        client.get(f"{base}/packages/"),
        client.get(f"{base}/packages/{package_id}/"),
        client.get(f"{base}/packages/{package_id}/download/"),
    ]


def test_members_of_other_roles_are_refused_packages(new_agency: Agency, eager: None) -> None:
    request = searched_request(new_agency)
    package = ready_package(api(new_agency, Role.ADMIN), new_agency, request)
    author = api(new_agency, Role.AUTHOR)

    for answer in package_answers(author, new_agency, request.pk, package["id"]):
        assert answer.status_code == 403
        assert "records officers and admins" in answer.json()["detail"]


def test_another_agency_finds_no_package_of_this_one(
    new_agency: Agency, committed_agency: Callable[[int], Agency], eager: None
) -> None:
    request = searched_request(new_agency)
    package = ready_package(api(new_agency, Role.RECORDS_OFFICER), new_agency, request)
    other = committed_agency(0)
    admin = api(other, Role.ADMIN)

    *found, listed, detail, download = package_answers(admin, other, request.pk, package["id"])
    across = admin.get(f"{archive_of(new_agency)}/packages/{package['id']}/download/")

    assert [answer.status_code for answer in (*found, detail, download, across)] == [404] * 5
    assert listed.json()["results"] == []


def test_a_package_past_its_time_is_not_downloaded(new_agency: Agency, eager: None) -> None:
    officer = api(new_agency, Role.RECORDS_OFFICER)
    package = ready_package(officer, new_agency, searched_request(new_agency))
    with agency_scope(new_agency.pk):
        ExportPackage.objects.filter(pk=package["id"]).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

    refused = officer.get(package["download"])

    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/conflict/")
    assert "its time is past" in refused.json()["detail"]
    with agency_scope(new_agency.pk):
        assert not ArchiveEvent.objects.filter(verb="records.package_downloaded").exists()
