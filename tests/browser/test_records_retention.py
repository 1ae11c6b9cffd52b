"""An admin changes how long a series of records is kept, then reviews and runs the
disposition the day proposed: the page follows the run to its end and offers the signed
certificate; every page passes axe's checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Agency
from archive import services
from archive.models import Disposition
from archive.retention import disposition_run, dispositions_propose
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed
from tests.browser.conftest import BACKGROUND_TIMEOUT_MS, Member, assert_accessible, sign_in
from tests.factories import inbox_item_for


def _received_long_ago_and_proposed(agency_slug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Receive a citizen's comment 100 days ago, then propose what is due, as the daily
    task does."""
    try:
        agency = Agency.objects.get(slug=agency_slug)
        long_ago = timezone.now() - timedelta(days=100)
        with monkeypatch.context() as patched:
            patched.setattr(services, "timezone", SimpleNamespace(now=lambda: long_ago))
            inbox_item_for(agency, "Is the skating rink open?")
        all_placed(agency)
        with agency_scope(agency.pk):
            dispositions_propose(agency_id=agency.pk)
    finally:
        connection.close()


def _run_as_a_worker(agency_slug: str) -> None:
    try:
        agency = Agency.objects.get(slug=agency_slug)
        with agency_scope(agency.pk):
            disposition_run(disposition_id=Disposition.objects.get().pk)
    finally:
        connection.close()


def test_an_admin_changes_a_schedule_and_runs_a_disposition(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    django_db_blocker: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slug = committed_admin.agency_slug
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        thread.submit(_received_long_ago_and_proposed, slug, monkeypatch).result()
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Records", exact=True).click()
    page.get_by_role("link", name="Retention and disposition").click()
    expect(page.get_by_role("heading", name="Retention and disposition")).to_be_visible()
    assert_accessible(page)

    schedules = page.get_by_role("table", name="How long each series is kept")
    activity = schedules.get_by_role("row").filter(has_text="Sign-ins and administration")
    activity.get_by_label("Days kept (blank: for good)").fill("2190")
    activity.get_by_role("button", name="Change").press("Enter")
    expect(page.get_by_text("The schedule is changed.")).to_be_visible()
    expect(activity).to_contain_text("2190 days after each record")
    assert_accessible(page)

    dispositions = page.get_by_role("table", name="Dispositions, newest first")
    expect(dispositions).to_contain_text("Waiting for review")
    dispositions.get_by_label("Note (needed to cancel)").fill("List checked against the index")
    dispositions.get_by_role("button", name="Run it").press("Enter")
    expect(page.get_by_text("The disposition runs")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="A disposition is running.")).to_be_visible()
    assert_accessible(page)
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        thread.submit(_run_as_a_worker, slug).result()
    # The page asks again every few seconds while the run goes on.
    certificate = page.get_by_role("link", name="Certificate of disposition")
    expect(certificate).to_be_visible(timeout=BACKGROUND_TIMEOUT_MS)
    expect(dispositions).to_contain_text("1 record disposed of")
    assert_accessible(page)
    with page.expect_download() as downloading:
        certificate.click()
    assert '"certificate":"disposition"' in downloading.value.path().read_text()
    page.close()
