"""Issue 16's walk in the browser: a records officer finds a citizen's hidden comment,
reads it with its conversation and what was done to it, saves the search on a request,
exports a package and downloads it; the verifier the package carries passes it, and
names the file when one byte of it changes. Another agency's officer finds nothing of
it; an author has no Records section. Every page passes axe's checks."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Browser, expect

from accounts.models import Agency, Role
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from inbox.moderation import Action, clause_add, item_moderate
from inbox.services import account_poll
from publishing.networks.base import Network, OutgoingPost
from publishing.networks.registry import adapter_for
from tests.archive.conftest import all_placed
from tests.browser.conftest import (
    BACKGROUND_TIMEOUT_MS,
    Member,
    assert_accessible,
    packages_built,
    records_request_with_search,
    sign_in,
)
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, emulated_account_for

INSULT = "You are all useless idiots at the bridge office"


def _hidden_comment(agency_slug: str, networks: Emulator) -> None:
    """Have two citizens answer the agency's post on X, poll them in, and have an
    admin hide the insult under the comment policy, as the inbox does; then place
    the events in the log, as the sequencer does within seconds (words are searched
    among placed events)."""
    try:
        agency = Agency.objects.get(slug=agency_slug)
        handle = f"records_{uuid.uuid4().hex[:8]}"
        account = emulated_account_for(agency, networks, "x", handle)
        ours = adapter_for(Network.X).publish(
            account.credentials(), OutgoingPost("The bridge on Main Street is closed")
        )
        for text in ("When will the bridge reopen?", INSULT):
            networks.inbound(
                network="x", account=handle, kind="reply", text=text, in_reply_to=ours.remote_id
            )
        admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
        with agency_scope(agency.pk):
            assert account_poll(account=account) == 2
            clause = clause_add(
                agency=agency, code="3.2", title="Personal attacks", text="", actor=admin
            )
            item_moderate(
                item=InboxItem.objects.get(text=INSULT),
                action=Action.HIDE,
                clause=clause,
                note="Insult",
                actor=admin,
            )
        all_placed(agency)
    finally:
        connection.close()


def test_a_records_officer_exports_a_hidden_comment_that_anyone_can_check(
    web_server: str,
    browser: Browser,
    commit_records_officer: Callable[[], Member],
    committed_member: Member,
    networks: Emulator,
    django_db_blocker: pytest.FixtureRequest,
    in_agency: Callable[..., Any],
    tmp_path: Path,
) -> None:
    networks.configure(citizens=False)
    officer = commit_records_officer()
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        thread.submit(_hidden_comment, officer.agency_slug, networks).result()

    page = browser.new_page(accept_downloads=True)
    sign_in(page, web_server, officer)
    page.get_by_role("link", name="Records", exact=True).click()
    page.get_by_label("Words").fill("idiots")
    page.get_by_role("button", name="Search", exact=True).click()
    found = page.get_by_role("table", name="Records found, newest first")
    expect(found).to_contain_text(INSULT)
    assert_accessible(page)
    found.get_by_role("link").first.click()
    conversation = page.get_by_role("heading", name="The conversation it belongs to")
    expect(conversation).to_be_visible()
    expect(page.get_by_text("When will the bridge reopen?")).to_be_visible()
    history = page.get_by_role("heading", name="The history of what it is about")
    expect(history).to_be_visible()
    expect(page.locator("li", has_text="inbox.item_hidden").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Back to the records").click()
    records_request_with_search(
        page,
        requester="Dana Reporter",
        asked="Every comment hidden about the bridge",
        search={"Words": "idiots"},
        name="The insult",
    )

    page.get_by_role("button", name="Export a package").click()
    expect(page.get_by_text("The package is being built")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="A package is being built.")).to_be_visible()
    assert_accessible(page)
    assert in_agency(officer, packages_built) == ["ready"]
    # The page, asking every few seconds, says so without being reloaded.
    ready = page.get_by_text("The latest package is ready.")
    expect(ready).to_be_visible(timeout=BACKGROUND_TIMEOUT_MS)
    assert_accessible(page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile(r"^Download records-")).click()
    zipped = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(zipped)
    page.close()

    # The recipient checks it with the verifier it carries, and nothing else.
    with zipfile.ZipFile(zipped) as bag:
        bag.extractall(tmp_path / "unzipped")
    (root,) = (tmp_path / "unzipped").iterdir()
    verify = [sys.executable, str(root / "verify.py")]
    held = subprocess.run([*verify, str(zipped)], capture_output=True, text=True, check=False)  # noqa: S603
    assert held.returncode == 0, held.stdout
    assert held.stdout.startswith("holds: ")
    table = root / "data" / "events.csv"
    original = table.read_bytes()
    at = original.index(b"idiots")
    table.write_bytes(original[:at] + b"I" + original[at + 1 :])
    broken = subprocess.run([*verify, str(root)], capture_output=True, text=True, check=False)  # noqa: S603
    assert broken.returncode == 1
    assert broken.stdout.startswith("does not hold: data/events.csv"), broken.stdout

    # Nobody else reads it.
    stranger = commit_records_officer()
    other = browser.new_page()
    sign_in(other, web_server, stranger)
    other.get_by_role("link", name="Records", exact=True).click()
    other.get_by_label("Words").fill("idiots")
    other.get_by_role("button", name="Search", exact=True).click()
    expect(other.get_by_text("No record matches.")).to_be_visible()
    other.close()
    author = browser.new_page()
    sign_in(author, web_server, committed_member)
    expect(author.get_by_role("link", name="Records", exact=True)).to_have_count(0)
    author.close()
