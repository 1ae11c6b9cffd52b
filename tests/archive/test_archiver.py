"""Monthly copies for an outside archiving service: once an agency names its service,
last month's records go to the archivers' storage as a package anyone can check
offline, once a month, recorded, and the monthly request is answered."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.storage import storages
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import archive
from accounts.models import Agency, Role, User
from archive import services
from archive.archiver import archiver_set, copies_make
from archive.models import ArchiveEvent, RecordsRequest, RequestKind, RequestStatus
from archive.package_check import FolderSource, package_check
from govsocial.errors import GovsocialError
from govsocial.tenancy import agency_scope
from tests.factories import MembershipFactory, api_key_for


def recorded_on(agency: Agency, moment: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record that a citizen wrote, as if at ``moment``."""
    with monkeypatch.context() as patched:
        patched.setattr(services, "timezone", SimpleNamespace(now=lambda: moment))
        with agency_scope(agency.pk), transaction.atomic():
            archive.record(
                agency=agency,
                actor=services.SYSTEM,
                verb="inbox.item_received",
                data={"text": f"Written on {moment:%Y-%m-%d}"},
            )


@pytest.fixture
def admin(new_agency: Agency) -> User:
    user: User = MembershipFactory(agency=new_agency, roles=[Role.ADMIN]).user
    return user


def test_last_months_records_go_to_the_outside_archiver_once(
    new_agency: Agency, admin: User, eager: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    this_month = timezone.now().astimezone(UTC).replace(day=1, hour=12)
    last_month = (this_month - timedelta(days=1)).replace(day=10)
    for moment in (last_month, last_month + timedelta(days=5), this_month + timedelta(hours=1)):
        recorded_on(new_agency, moment, monkeypatch)
    with agency_scope(new_agency.pk):
        assert copies_make(agency=new_agency) is None  # no archiver named yet
        archiver_set(
            agency=new_agency, actor=admin, person=admin, name="ArchiveSocial", active=True
        )

        request = copies_make(agency=new_agency)
        assert request is not None and copies_make(agency=new_agency) is None

        request = RecordsRequest.objects.get(pk=request.pk)
        assert request.kind == RequestKind.ARCHIVER_COPY and request.requester == "ArchiveSocial"
        assert request.status == RequestStatus.ANSWERED
        delivered = ArchiveEvent.objects.get(verb="records.archiver_copy_delivered")
    name = f"{new_agency.slug}/{last_month:%Y-%m}.zip"
    assert delivered.data["file"] == name
    with storages["archiver"].open(name) as copy, zipfile.ZipFile(copy) as bag:
        bag.extractall(tmp_path)
    (root,) = tmp_path.iterdir()
    assert package_check(FolderSource(root), public_key=None).events == 2


def test_admins_name_the_archiver_on_the_retention_page_and_through_the_api(
    new_agency: Agency, admin: User
) -> None:
    change = reverse("records_archiver_set", args=[new_agency.slug])
    officer = Client()
    officer.force_login(MembershipFactory(agency=new_agency, roles=[Role.RECORDS_OFFICER]).user)
    client = Client()
    client.force_login(admin)

    assert officer.post(change, {"name": "Pagefreezer", "active": "on"}).status_code == 403
    refused = client.post(change, {"name": " "}, follow=True).content.decode()
    assert "Name the archiving service" in refused
    shown = client.post(change, {"name": "Pagefreezer", "active": "on"}, follow=True)
    assert "Pagefreezer" in shown.content.decode() and "copies are made" in shown.content.decode()

    _key, secret = api_key_for(new_agency, Role.ADMIN)
    url = f"/api/agencies/{new_agency.slug}/archive/outside-archiver/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert Client().get(url, **auth).json()["name"] == "Pagefreezer"
    stopped = Client().put(
        url, {"name": "Pagefreezer", "active": False}, content_type="application/json", **auth
    )
    assert stopped.json()["active"] is False
    with agency_scope(new_agency.pk):
        assert copies_make(agency=new_agency) is None
        with pytest.raises(GovsocialError, match="Name the archiving service"):
            archiver_set(agency=new_agency, actor=admin, person=admin, name="", active=True)
