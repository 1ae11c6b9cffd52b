"""The media library in French in a browser: the file field speaks the page's language,
shows the name of the file chosen, is reached by keyboard, and the upload lists the
file; the page passes axe."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, sign_in


def test_a_file_is_chosen_and_uploaded_in_french(
    web_server: str, browser: Browser, committed_admin: Member
) -> None:
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.goto(f"{web_server}/agencies/{committed_admin.agency_slug}/media/")
    page.get_by_role("button", name="Français").click()
    field = page.locator("[data-file-input]")
    expect(field).to_contain_text("Choisir un fichier")
    expect(field).to_contain_text("Aucun fichier choisi")
    assert_accessible(page)
    chooser = page.locator("input[type=file]")
    chooser.focus()
    assert page.evaluate("document.activeElement.type") == "file"
    photo = io.BytesIO()
    Image.new("RGB", (64, 64), "#1a4480").save(photo, format="PNG")
    chooser.set_input_files(
        {"name": "piscine.png", "mimeType": "image/png", "buffer": photo.getvalue()}
    )
    expect(field).to_contain_text("piscine.png")
    page.get_by_label("Texte de remplacement", exact=False).first.fill("La piscine du parc.")
    page.get_by_role("button", name="Téléverser").click()
    expect(page.get_by_text("piscine.png est dans la médiathèque.")).to_be_visible()
    page.close()
