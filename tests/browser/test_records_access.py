"""A records officer answers a person's access request: the request's searches find what
the person wrote, every third party it names is redacted on the workbench, and the
released copy downloads without them, its PDF included, and checks offline; an area of
an image is redacted by dragging across it; every page passes axe's checks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from accounts.models import Agency
from tests.archive.conftest import all_placed
from tests.archive.test_redaction import complaint
from tests.browser.conftest import (
    BACKGROUND_TIMEOUT_MS,
    Member,
    assert_accessible,
    packages_built,
    records_request_with_search,
    sign_in,
)
from tests.factories import inbox_item_for

NEIGHBOUR = "jean.tremblay@exemple.ca"


def _comment_received(agency: Agency) -> None:
    """Receive a comment of amara_okafor's naming a neighbour, placed in the log."""
    inbox_item_for(agency, f"My neighbour ({NEIGHBOUR}) blocks the lane, ask @jtremblay")
    all_placed(agency)


def test_a_records_officer_releases_a_persons_data_without_third_parties(
    web_server: str,
    browser: Browser,
    commit_records_officer: Callable[[], Member],
    in_agency: Callable[..., Any],
    tmp_path: Path,
) -> None:
    officer = commit_records_officer()
    in_agency(officer, _comment_received)
    page = browser.new_page(accept_downloads=True)
    sign_in(page, web_server, officer)
    page.get_by_role("link", name="Records", exact=True).click()
    records_request_with_search(
        page,
        kind="Personal data (GDPR access): one month",
        requester="Amara Okafor",
        asked="Everything the city holds about me",
        search={"Person": "amara_okafor"},
        name="Amara",
    )

    page.get_by_role("link", name="Redaction and released copies").click()
    suggested = page.get_by_role("table", name="Suggested redactions")
    expect(suggested.get_by_role("row", name=NEIGHBOUR)).to_contain_text("A third party's")
    expect(suggested.get_by_role("row", name="amara_okafor")).to_contain_text("The person's own")
    assert_accessible(page)
    page.get_by_role("button", name="Redact every third party").press("Enter")
    expect(page.get_by_text("2 third parties are redacted.")).to_be_visible()
    redacted = page.get_by_role("table", name="What released copies keep out")
    expect(redacted).to_contain_text(NEIGHBOUR)
    expect(redacted).to_contain_text("GDPR Art. 15(4): another person's data")
    assert_accessible(page)
    page.get_by_role("button", name="Export a released copy").press("Enter")
    expect(page.get_by_text("The released copy is being built")).to_be_visible()

    page.get_by_role("link", name="Back to request").click()
    assert in_agency(officer, packages_built) == ["ready"]
    ready = page.get_by_text("The latest package is ready.")
    expect(ready).to_be_visible(timeout=BACKGROUND_TIMEOUT_MS)
    expect(page.get_by_text("Released copy, redacted")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download records-").click()
    zipped = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(zipped)
    page.close()

    with zipfile.ZipFile(zipped) as bag:
        bag.extractall(tmp_path / "unzipped")
    (root,) = (tmp_path / "unzipped").iterdir()
    held = subprocess.run(  # noqa: S603
        [sys.executable, str(root / "verify.py"), str(zipped)], capture_output=True, text=True
    )
    assert held.returncode == 0, held.stdout
    everything = b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())
    assert NEIGHBOUR.encode() not in everything and b"jtremblay" not in everything
    (pdf,) = (root / "data/pages").glob("*.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "amara_okafor" in text and "GDPR Art. 15(4)" in text and "tremblay" not in text


def _complaint_with_photo(agency: Agency) -> None:
    complaint(agency)
    all_placed(agency)


def test_a_records_officer_draws_the_area_of_an_image_to_redact(
    web_server: str,
    browser: Browser,
    commit_records_officer: Callable[[], Member],
    in_agency: Callable[..., Any],
) -> None:
    officer = commit_records_officer()
    in_agency(officer, _complaint_with_photo)
    page = browser.new_page()
    sign_in(page, web_server, officer)
    page.get_by_role("link", name="Records", exact=True).click()
    records_request_with_search(
        page,
        requester="Dana Reporter",
        asked="Complaints about the lane",
        search={"Action": "inbox."},
        name="Complaints",
    )
    page.get_by_role("link", name="Redaction and released copies").click()

    image = page.get_by_role("img", name="Image 1 the records show")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    assert box is not None
    # The photo is 40 by 20 pixels: a pixel is 2.5 % of its width, 5 % of its height.
    page.mouse.move(box["x"], box["y"])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert float(page.get_by_label("Width (%)").input_value()) == pytest.approx(50, abs=6)
    assert float(page.get_by_label("Height (%)").input_value()) == pytest.approx(50, abs=6)
    assert_accessible(page)
    page.get_by_role("button", name="Redact this area of image 1").press("Enter")

    expect(
        page.get_by_text("Redacted in the released copies asked for from now on.")
    ).to_be_visible()
    redacted = page.get_by_role("table", name="What released copies keep out")
    expect(redacted).to_contain_text("An area of an image")
