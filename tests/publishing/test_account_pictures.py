"""An account's picture is read from its network when it is connected and whenever a
health check finds a new one, drawn again as a small PNG, and shown from this site to
the agency's members: on the accounts page and in the composer's previews."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django import DjangoCaptureOnCommitCallbacks

from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import SocialAccount, SocialAccountPicture
from publishing.services.accounts import PICTURE_SIDE
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import api_key_for, social_account_for

pytestmark = pytest.mark.django_db


def _connect_x(personas: Personas, emulator: Emulator, client: Client) -> SocialAccount:
    """Connect ``alpha_city`` on the emulated X through the pages."""
    start = client.post(reverse("account_connect_start", args=["alpha", "x"]))
    back = urlsplit(emulator.authorise(start["Location"], "alpha_city"))
    client.get(client.get(f"{back.path}?{back.query}")["Location"])
    return _account(personas)


def _account(personas: Personas) -> SocialAccount:
    with agency_scope(personas.agency_a.pk):
        return SocialAccount.objects.get(handle="alpha_city")


def _picture(personas: Personas, account: SocialAccount) -> SocialAccountPicture | None:
    with agency_scope(personas.agency_a.pk):
        return SocialAccountPicture.objects.filter(account=account).first()


def _picture_url(account: SocialAccount) -> str:
    return reverse("account_picture", args=["alpha", account.pk, account.picture_digest])


def _checked(personas: Personas, account: SocialAccount) -> SocialAccount:
    """Check one account as the periodic task does."""
    with agency_scope(personas.agency_a.pk):
        return services.account_health_check(account=account)


def test_connecting_keeps_the_accounts_picture_and_the_accounts_page_shows_it(
    personas: Personas,
    networks: Emulator,
    eager: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client = personas.client_for(personas.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        _connect_x(personas, networks, client)
    account = _account(personas)

    assert account.avatar_url == networks.url("/avatars/x/alpha_city.png")
    kept = _picture(personas, account)
    assert kept is not None and kept.source_url == account.avatar_url
    with Image.open(io.BytesIO(kept.png)) as drawn:
        assert (drawn.format, drawn.size) == ("PNG", (PICTURE_SIDE, PICTURE_SIDE))
    url = _picture_url(account)
    page = client.get(reverse("account_list", args=["alpha"])).content.decode()
    assert f'<img class="govsocial-account-picture" src="{url}" alt=""' in page

    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served.content == bytes(kept.png)
    assert served["Cache-Control"] == "private, max-age=31536000, immutable"
    # An address naming a picture that is not the one kept shows nothing.
    stale = reverse("account_picture", args=["alpha", account.pk, "0" * 64])
    assert client.get(stale).status_code == 404


def test_every_member_sees_the_picture_and_another_agency_does_not(
    personas: Personas,
    networks: Emulator,
    eager: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _connect_x(personas, networks, personas.client_for(personas.admin_a))
    account = _account(personas)
    url = _picture_url(account)
    through_beta = reverse("account_picture", args=["beta", account.pk, account.picture_digest])

    assert personas.client_for(personas.author_a).get(url).status_code == 200
    outsider = personas.client_for(personas.admin_b)
    assert outsider.get(url).status_code == 404
    assert outsider.get(through_beta).status_code == 404


def test_a_health_check_reads_the_picture_again_only_when_the_network_gives_a_new_one(
    personas: Personas, networks: Emulator
) -> None:
    # No worker ran after connecting: the first health check keeps the picture.
    account = _connect_x(personas, networks, personas.client_for(personas.admin_a))
    assert account.picture_digest == "" and _picture(personas, account) is None
    account = _checked(personas, account)
    kept = _picture(personas, account)
    assert kept is not None
    assert account.picture_digest == hashlib.sha256(kept.png).hexdigest()
    # The same address: not read again.
    again = _picture(personas, _checked(personas, account))
    assert again is not None and again.kept_at == kept.kept_at

    # Kept from an address the network no longer gives: read again.
    with agency_scope(personas.agency_a.pk):
        SocialAccountPicture.objects.filter(account=account).update(
            source_url=networks.url("/avatars/x/before.png"), png=b"before"
        )
        SocialAccount.objects.filter(pk=account.pk).update(picture_digest="before")
    account = _checked(personas, account)
    renewed = _picture(personas, account)
    assert renewed is not None and bytes(renewed.png) == bytes(kept.png)
    assert account.picture_digest == hashlib.sha256(kept.png).hexdigest()


@pytest.mark.parametrize(
    "path",
    [
        "/avatars/x/gone",  # the network no longer serves it
        "/_emulator/health",  # not an image
        "/static/emulator.css",
    ],
)
def test_a_picture_that_cannot_be_read_leaves_the_one_kept_before(
    personas: Personas, networks: Emulator, path: str
) -> None:
    account = _checked(
        personas, _connect_x(personas, networks, personas.client_for(personas.admin_a))
    )
    before = account.picture_digest

    with agency_scope(personas.agency_a.pk):
        SocialAccount.objects.filter(pk=account.pk).update(avatar_url=networks.url(path))
        account.refresh_from_db()
        assert services.account_picture_keep(account=account).picture_digest == before
    kept = _picture(personas, account)
    assert kept is not None and kept.source_url == networks.url("/avatars/x/alpha_city.png")


def test_a_picture_larger_than_the_limit_is_not_read(
    personas: Personas, networks: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("publishing.services.accounts.PICTURE_MAX_PIXELS", 127 * 127)
    account = _checked(
        personas, _connect_x(personas, networks, personas.client_for(personas.admin_a))
    )
    assert account.picture_digest == "" and _picture(personas, account) is None


def test_an_account_the_network_shows_without_a_picture_shows_its_initial(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    account = _checked(personas, _connect_x(personas, networks, client))
    assert account.picture_digest

    with agency_scope(personas.agency_a.pk):
        SocialAccount.objects.filter(pk=account.pk).update(avatar_url="")
        account.refresh_from_db()
        assert services.account_picture_keep(account=account).picture_digest == ""
    assert _picture(personas, account) is None
    page = client.get(reverse("account_list", args=["alpha"])).content.decode()
    assert '<span class="govsocial-account-picture" aria-hidden="true">A</span>' in page


def test_the_composers_previews_show_each_accounts_picture_or_its_initial(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    pictured = _checked(personas, _connect_x(personas, networks, client))
    plain = social_account_for(personas.agency_a, network="mastodon", handle="riverton")

    answer = client.post(
        reverse("post_check", args=["alpha"]),
        {"text": "Pools open.", "language": "en", "accounts": [pictured.pk, plain.pk]},
        headers={"HX-Request": "true"},
    )

    page = answer.content.decode()
    assert f'<img class="govsocial-preview__picture" src="{_picture_url(pictured)}" alt=""' in page
    assert '<span class="govsocial-preview__picture" aria-hidden="true">R</span>' in page


def test_integrators_read_the_picture_through_the_api(
    personas: Personas, networks: Emulator
) -> None:
    pictured = _checked(
        personas, _connect_x(personas, networks, personas.client_for(personas.admin_a))
    )
    plain = social_account_for(personas.agency_a, network="mastodon", handle="riverton")
    _key, token = api_key_for(personas.agency_a, role="viewer")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    described = client.get(reverse("socialaccount-detail", args=["alpha", pictured.pk])).json()
    served = client.get(reverse("socialaccount-picture", args=["alpha", pictured.pk]))
    missing = client.get(reverse("socialaccount-picture", args=["alpha", plain.pk]))

    assert described["picture_sha256"] == pictured.picture_digest
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert hashlib.sha256(served.content).hexdigest() == pictured.picture_digest
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["detail"] == "The account has no picture."
