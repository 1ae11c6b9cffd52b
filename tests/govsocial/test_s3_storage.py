"""On several hosts, media and the archive's files live on S3-compatible storage, as
``S3_BUCKET`` configures it: here an S3 server over HTTP (moto's). Uploads land in the
media bucket and are served to members; what the archive keeps lands in its own bucket,
and a file changed or removed there is named by the archive's check."""

from __future__ import annotations

import hashlib
import logging
import runpy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from moto.server import ThreadedMotoServer

import archive
from archive.entries import canonical
from archive.models import SMALL_CONTENT, content_name
from archive.verification import contents_verify
from govsocial import settings as settings_module
from govsocial.tenancy import agency_scope
from publishing import services
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 300


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """Run an S3 server for the module; yield its address."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass
class Buckets:
    client: Any
    media: str
    archive: str

    def keys(self, bucket: str) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return [item["Key"] for item in listed]


@pytest.fixture
def buckets(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Buckets]:
    """Configure S3 storage as an operator does, with two new buckets; yield them."""
    made = Buckets(
        client=boto3.client(
            "s3",
            endpoint_url=s3_server,
            region_name="us-east-1",
            aws_access_key_id="govsocial",
            aws_secret_access_key="govsocial",
        ),
        media=f"media-{uuid.uuid4().hex[:12]}",
        archive=f"archive-{uuid.uuid4().hex[:12]}",
    )
    for bucket in (made.media, made.archive):
        made.client.create_bucket(Bucket=bucket)
    environment = {
        "S3_BUCKET": made.media,
        "S3_ARCHIVE_BUCKET": made.archive,
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "govsocial",
        "AWS_SECRET_ACCESS_KEY": "govsocial",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    configured = runpy.run_path(str(Path(settings_module.__file__)))["STORAGES"]
    with override_settings(STORAGES=configured):
        yield made


def test_an_upload_lands_in_the_media_bucket_and_members_are_served_it(
    personas: Personas, buckets: Buckets
) -> None:
    with agency_scope(personas.agency_a.pk):
        asset = services.media_upload(
            agency=personas.agency_a,
            actor=personas.author_a.user,
            file=ContentFile(PNG, name="map.png"),
            alt_text="Map of the closed streets.",
        )
    url = reverse("media_file", args=["alpha", asset.pk])
    served = personas.client_for(personas.author_a).get(url)

    digest = hashlib.sha256(PNG).hexdigest()
    assert buckets.keys(buckets.media) == [f"media/agencies/{personas.agency_a.pk}/media/{digest}"]
    assert buckets.keys(buckets.archive) == []
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]


def test_what_the_archive_keeps_lands_in_its_bucket_and_a_change_there_is_named(
    personas: Personas, buckets: Buckets
) -> None:
    agency = personas.agency_a
    # Larger than the archive keeps in the database: kept as files.
    closed, opened = ({"text": f"Road {state}. " * SMALL_CONTENT} for state in ("closed", "open"))
    with agency_scope(agency.pk):
        first, second = archive.keep_documents(agency=agency, documents=[closed, opened])
        intact = contents_verify(agency_id=agency.pk)
    keys = {f"archive/{content_name(agency.pk, digest)}" for digest in (first, second)}
    assert set(buckets.keys(buckets.archive)) == keys
    assert (intact.intact, intact.files_checked) == (True, 2)

    def check_after(change: Any, **where: str) -> tuple[str | None, str]:
        change(Bucket=buckets.archive, **where)
        with agency_scope(agency.pk):
            report = contents_verify(agency_id=agency.pk)
        return report.bad_file, report.problem

    first_key, second_key = (f"archive/{content_name(agency.pk, d)}" for d in (first, second))
    assert check_after(buckets.client.put_object, Key=first_key, Body=b"{}") == (
        first,
        "its bytes no longer match its hash",
    )
    buckets.client.put_object(Bucket=buckets.archive, Key=first_key, Body=canonical(closed))
    assert check_after(buckets.client.delete_object, Key=second_key) == (
        second,
        "its bytes are missing",
    )
