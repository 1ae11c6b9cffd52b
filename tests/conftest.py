"""Shared fixtures: the database prepared by the test command, and the personas.

Personas: an admin and an author of agency A, and an admin of agency B who must see
nothing of A.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Agency, Membership, Role, User
from govsocial.celery import app
from govsocial.launch.emulated_networks import mastodon_app
from govsocial.settings import network_configuration
from govsocial.tenancy import agency_scope
from tests.emulator_client import Emulator, EmulatorServer
from tests.factories import AgencyFactory, MembershipFactory
from tests.mailbox import mail_server, mailbox  # noqa: F401
from tests.web_server import web_media_root, web_server  # noqa: F401

# The webhook's verify token and the app secret of the processes a test starts.
WEBHOOK_SECRETS = {
    "META_WEBHOOK_VERIFY_TOKEN": "webhook-verify-token",
    "FACEBOOK_APP_SECRET": "webhook-app-secret",
}
# Where the Django test client's Mastodon authorisations come back to.
MASTODON_CALLBACK = "http://testserver/networks/mastodon/callback/"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """Start one real network emulator for the session; yield a client for it."""
    server = EmulatorServer()
    server.start()
    try:
        yield Emulator(server.base_url)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def web_port() -> int:
    """Choose a free port for the session's web server (the networks' callbacks name it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def network_environment(emulator_server: Emulator, web_port: int) -> dict[str, str]:
    """Return what points the processes a test starts, web server and workers alike, at
    the session's emulator, as the run command gives its own: the emulator's address,
    govsocial's Mastodon app, registered there once for the web server's callback, and
    the secrets the emulator's Facebook signs its pushes to the webhook with."""
    return (
        {"EMULATOR_URL": emulator_server.base_url}
        | mastodon_app(emulator_server.base_url, web_port)
        | WEBHOOK_SECRETS
    )


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    """Give a test the network emulator with nothing in it (accounts, posts, faults)."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def networks(emulator: Emulator, settings: pytest.FixtureRequest) -> Emulator:
    """Point every network's configuration at the emulator, as the run command does,
    with a Mastodon app registered there for the test client's callback URL."""
    app = emulator.http.post(
        "/mastodon/api/v1/apps",
        data={
            "client_name": "govsocial",
            "redirect_uris": f"{MASTODON_CALLBACK} urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write",
        },
    ).json()
    configured = network_configuration(emulator.base_url)
    configured["mastodon"] |= {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    settings.NETWORKS = configured  # type: ignore[attr-defined]
    return emulator


@pytest.fixture(scope="session")
def django_db_setup() -> None:
    """Use the database the test command created, migrated (as its owner) and granted."""


@pytest.fixture(autouse=True)
def _test_speedups(settings: pytest.FixtureRequest) -> None:
    """Hash passwords cheaply and serve static files without the collected manifest.

    ``test_static_files_collect_with_their_manifest`` covers the production storage.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Store uploaded media under the test's own folder, never under the data folder."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Start and leave each test in the default language: a request in French leaves
    French active for the thread, and the next test's services would speak it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def fresh_sign_in_counters() -> None:
    """Forget failed sign-ins counted by earlier tests (they share one Redis cache)."""
    cache.clear()


@dataclass
class Personas:
    agency_a: Agency
    agency_b: Agency
    admin_a: Membership
    author_a: Membership
    admin_b: Membership

    def client_for(self, membership: Membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client


@pytest.fixture
def eager() -> Iterator[None]:
    """Run Celery tasks in the process that sends them, when sent."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def personas(db: None) -> Personas:
    agency_a = AgencyFactory(name="City of Alpha", slug="alpha")
    agency_b = AgencyFactory(name="Ministry of Beta", slug="beta")
    return Personas(
        agency_a=agency_a,
        agency_b=agency_b,
        admin_a=MembershipFactory(agency=agency_a, roles=[Role.ADMIN]),
        author_a=MembershipFactory(agency=agency_a, roles=[Role.AUTHOR]),
        admin_b=MembershipFactory(agency=agency_b, roles=[Role.ADMIN]),
    )


@pytest.fixture
def in_agency_a(personas: Personas) -> Iterator[Agency]:
    """Bind agency A, as the entry points do, for code under test."""
    with agency_scope(personas.agency_a.pk):
        yield personas.agency_a


@pytest.fixture
def admin_a_user(personas: Personas) -> User:
    return personas.admin_a.user


def queries_of(client: Client, url: str) -> int:
    """Return the queries of a request of ``url``, the second of two (the first may
    note when the key was last used)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def scans_of(plan: dict[str, Any], table: str) -> list[tuple[float, int]]:
    """Return each scan of ``table`` in the plan: the rows it read a loop (kept and
    filtered out) and how many loops it made."""
    found = []
    if plan.get("Relation Name") == table:
        found.append(
            (plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0), plan["Actual Loops"])
        )
    for inner in plan.get("Plans", []):
        found.extend(scans_of(inner, table))
    return found
