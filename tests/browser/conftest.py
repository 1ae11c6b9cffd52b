"""Browser tests: the real web server (``web_server``, tests/web_server.py), Debian's
Chromium, committed data, and delivery through real processes (``delivery``) that see
the networks as the web server does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import global_settings
from django.db import connection
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accounts.models import Agency, Role, User
from archive.exports import package_build
from archive.models import ExportPackage, PackageStatus
from govsocial.tenancy import agency_scope
from tests.delivery_processes import delivery  # noqa: F401
from tests.factories import PASSWORD, AgencyFactory, MembershipFactory, UserFactory, totp_code

T = TypeVar("T")
CHROMIUM = os.environ.get("GOVSOCIAL_CHROMIUM", "")
# axe-core, Deque's accessibility engine (MPL-2.0), pinned: the pages' WCAG checks.
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Milliseconds an assertion waits for what it expects on a page (Playwright's own
# default, 5 s, is short for a loaded 2-core machine; each returns once it holds), and
# for what a worker does in the background (a records package built).
EXPECT_TIMEOUT_MS = 30_000
BACKGROUND_TIMEOUT_MS = 90_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


# One browser per test module: Playwright runs an event loop in the test's thread while
# it is open, and Django refuses database calls from a thread with a running loop, so it
# must be closed before the tests that follow (delivery through real processes, chaos).
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (the test command installs it where it can)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@dataclass
class Member:
    user: User
    agency_slug: str
    agency_name: str


@pytest.fixture
def committed_member(django_db_blocker: pytest.FixtureRequest) -> Member:
    """Commit an agency and an author with an authenticator app, for the server to see.

    Made in a thread of its own: Playwright keeps an event loop in the test's thread,
    where Django refuses database calls.
    """
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        return thread.submit(_commit_member, Role.AUTHOR).result()


@pytest.fixture
def committed_admin(django_db_blocker: pytest.FixtureRequest) -> Member:
    """Commit an agency and its admin with an authenticator app (see committed_member)."""
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        return thread.submit(_commit_member, Role.ADMIN).result()


@pytest.fixture
def commit_records_officer(django_db_blocker: pytest.FixtureRequest) -> Callable[[], Member]:
    """Return what commits a new agency and its records officer (see committed_member)."""

    def commit() -> Member:
        with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
            return thread.submit(_commit_member, Role.RECORDS_OFFICER).result()

    return commit


def sign_in(page: Page, web_server: str, member: Member) -> None:
    """Sign in as ``member`` by keyboard: password, then the authenticator's code."""
    page.goto(f"{web_server}/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp_code())
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{web_server}/agencies/{member.agency_slug}/")


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now and fail with every WCAG 2.1 A or AA
    violation it finds (the page's own scripts are not changed: the engine is
    evaluated, which the content security policy does not govern)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: tags})).violations"
        ".map(v => `${v.id} (${v.impact}): ${v.help} at `"
        " + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG_AA,
    )
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


# The sizes pages are checked and pictured at: a laptop, and a phone held upright.
SIZES = ((1280, 800), (390, 844))


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder the pages' pictures go to: ``GOVSOCIAL_SCREENSHOTS`` (the
    README's come from ``docs/screenshots``), else a temporary one."""
    chosen = os.environ.get("GOVSOCIAL_SCREENSHOTS")
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def at_both_sizes(page: Page, folder: Path, name: str, *, start: str = "") -> None:
    """Check the page with axe at each of ``SIZES`` and picture it there, as
    ``name-WIDTHxHEIGHT.png`` in ``folder``, from its top (as a person arriving on it
    sees it) or from the element ``start`` selects; the page is left at the size it had."""
    before = page.viewport_size
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert_accessible(page)
        if start:
            page.locator(start).evaluate(
                "element => window.scrollTo(0,"
                " element.getBoundingClientRect().top + window.scrollY - 16)"
            )
        else:
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=folder / f"{name}-{width}x{height}.png")
    if before is not None:
        page.set_viewport_size(before)


def records_request_with_search(
    page: Page,
    *,
    requester: str,
    asked: str,
    search: dict[str, str],
    name: str,
    kind: str = "",
) -> None:
    """From *Records*, open a records request (of ``kind``, by its label, else the
    first) and save on it a search (its fields by label), as a records officer does;
    the request's page is shown after."""
    page.get_by_role("link", name="Records requests").click()
    if kind:
        page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label("Requester", exact=True).fill(requester)
    page.get_by_label("What is asked").fill(asked)
    page.get_by_label("Received on").fill("2026-03-02")
    page.get_by_role("button", name="Open the request").click()
    page.get_by_role("link", name="Search the records").click()
    for label, value in search.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Name of the search").fill(name)
    page.get_by_role("button", name="Save the search").click()
    expect(page.get_by_text("The search is saved on the request.")).to_be_visible()


def authorise_on_the_network(page: Page, handle: str) -> None:
    """On the network's authorisation page, type a handle and authorise, by keyboard."""
    page.get_by_label("Or a new handle").fill(handle)
    page.get_by_role("button", name="Authorise").click()


@pytest.fixture
def in_agency(django_db_blocker: pytest.FixtureRequest) -> Callable[..., Any]:
    """Return what runs ``make(agency)`` on a member's agency and commits it, for the
    server to see: in a thread of its own (see committed_member), its connection closed
    after; it returns what ``make`` returns."""

    def run(member: Member, make: Callable[[Agency], T]) -> T:
        def committed() -> T:
            try:
                return make(Agency.objects.get(slug=member.agency_slug))
            finally:
                connection.close()

        with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
            return thread.submit(committed).result()

    return run


def packages_built(agency: Agency) -> list[str]:
    """Build the agency's waiting packages now, as a worker would; return their states."""
    with agency_scope(agency.pk):
        waiting = ExportPackage.objects.filter(status=PackageStatus.QUEUED)
        built = [package_build(package_id=pk) for pk in waiting.values_list("pk", flat=True)]
        return [package.status for package in built if package is not None]


def _commit_member(role: Role) -> Member:
    try:
        suffix = uuid.uuid4().hex[:8]
        agency = AgencyFactory(name=f"Browser Town {suffix}", slug=f"browser-{suffix}")
        user = UserFactory(email=f"browser-{suffix}@example.gov")
        # The server checks passwords with the production hashers, not the tests' fast one.
        with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        MembershipFactory(agency=agency, user=user, roles=[role])
        return Member(user=user, agency_slug=agency.slug, agency_name=agency.name)
    finally:
        connection.close()
