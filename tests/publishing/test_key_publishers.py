"""API keys act with their own role: an author key publishes to the accounts the admins
chose for it on the account's publishers (page or API), and what it writes names the
key and its owner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiKey, Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing import selectors
from publishing.models import Post, SocialAccount
from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for

pytestmark = pytest.mark.django_db


def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, body or {}, content_type="application/json")


def publishers_url(account: SocialAccount) -> str:
    return reverse("socialaccount-publishers", args=["alpha", account.pk])


def post_url(name: str, post_id: int) -> str:
    return reverse(f"post-{name}", args=["alpha", post_id])


def write(token: str, account: SocialAccount, text: str = "Road closures this weekend.") -> Any:
    posts = reverse("post-list", args=["alpha"])
    return send(api(token), "post", posts, {"text": text, "accounts": [account.pk]})


def delegate(personas: Personas, account: SocialAccount, keys: list[ApiKey]) -> Any:
    """Choose ``keys`` (and no member) to publish to ``account``, as an admin does."""
    admin = personas.client_for(personas.admin_a)
    chosen = {"members": [], "api_keys": [key.pk for key in keys]}
    return send(admin, "put", publishers_url(account), chosen)


def test_an_author_key_is_refused_an_account_not_chosen_for_it(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    _key, token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    refused = write(token, account)
    assert refused.status_code == 403
    assert "ask an agency admin" in refused.json()["detail"]


def test_an_author_key_publishes_to_an_account_chosen_for_it(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    key, token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    chosen = delegate(personas, account, [key])
    assert chosen.status_code == 200, chosen.json()
    assert chosen.json() == {"members": [], "api_keys": [key.pk]}

    created = write(token, account)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["api_key"], body["author"]) == (key.pk, key.created_by.email)
    scheduled = send(
        api(token),
        "post",
        post_url("schedule", body["id"]),
        {"at": (timezone.now() + timedelta(hours=1)).isoformat()},
    )
    assert scheduled.status_code == 200, scheduled.json()
    assert scheduled.json()["status"] == "scheduled"
    published = send(api(token), "post", post_url("publish-now", body["id"]))
    assert published.status_code == 200, published.json()
    assert {t["state"] for t in published.json()["targets"]} == {"scheduled"}
    with agency_scope(personas.agency_a.pk):
        post = Post.objects.get(pk=body["id"])
        assert (post.api_key_id, post.author_id) == (key.pk, key.created_by_id)


def test_taking_the_account_from_a_key_stops_it_at_once(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    key, token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    delegate(personas, account, [key])
    body = write(token, account).json()

    taken = delegate(personas, account, [])
    assert taken.json() == {"members": [], "api_keys": []}
    assert write(token, account).status_code == 403
    refused = send(api(token), "post", post_url("publish-now", body["id"]))
    assert refused.status_code == 403
    with agency_scope(personas.agency_a.pk):
        assert not selectors.publishable_accounts(agency=personas.agency_a, actor=key).exists()


def test_a_key_publishes_only_to_its_own_accounts_and_only_while_usable(
    personas: Personas,
) -> None:
    mine = social_account_for(personas.agency_a, handle="alpha_city")
    other = social_account_for(personas.agency_a, handle="alpha_parks")
    key, _token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    delegate(personas, mine, [key])
    with agency_scope(personas.agency_a.pk):
        agency = personas.agency_a
        assert list(selectors.publishable_accounts(agency=agency, actor=key)) == [mine]
        assert selectors.account_publishable_by(account=mine, actor=key)
        assert not selectors.account_publishable_by(account=other, actor=key)
        account_services.api_key_revoke(key=key, actor=personas.admin_a.user)
        key.refresh_from_db()
        assert not selectors.account_publishable_by(account=mine, actor=key)
        assert not selectors.publishable_accounts(agency=agency, actor=key).exists()


def test_an_admin_key_publishes_everywhere_and_is_never_listed(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    admin_key, admin_token = api_key_for(personas.agency_a, role=Role.ADMIN)
    author_key, _token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    revoked_key, _token = api_key_for(
        personas.agency_a, role=Role.AUTHOR, revoked_at=timezone.now()
    )
    assert write(admin_token, account).status_code == 201
    admin = personas.client_for(personas.admin_a)
    for unusable in (admin_key, revoked_key):
        refused = delegate(personas, account, [unusable])
        assert refused.status_code == 400
        (problem,) = refused.json()["errors"]
        assert problem["pointer"] == "/api_keys"
        assert problem["detail"].endswith(f": {unusable.pk}.")
    page = admin.get(reverse("account_publishers", args=["alpha", account.pk])).content.decode()
    assert author_key.key_id in page
    assert admin_key.key_id not in page
    assert revoked_key.key_id not in page


def test_a_put_without_keys_leaves_them_as_they_are(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    key, _token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    delegate(personas, account, [key])
    admin = personas.client_for(personas.admin_a)
    members = {"members": [personas.author_a.pk]}
    answer = send(admin, "put", publishers_url(account), members)
    assert answer.json() == {"members": [personas.author_a.pk], "api_keys": [key.pk]}


def test_admins_tick_keys_on_the_publishers_page_and_the_archive_keeps_it(
    personas: Personas,
) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    key, _token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    url = reverse("account_publishers", args=["alpha", account.pk])
    admin = personas.client_for(personas.admin_a)
    page = admin.get(url).content.decode()
    assert f'name="api_keys" value="{key.pk}"' in page
    assert key.created_by.display_name in page

    # An author cannot delegate to a key.
    personas.client_for(personas.author_a).post(url, {"api_keys": [key.pk]})
    with agency_scope(personas.agency_a.pk):
        assert selectors.account_publisher_key_ids(account=account) == set()
    assert admin.post(url, {"api_keys": [key.pk]}).status_code == 302
    with agency_scope(personas.agency_a.pk):
        assert selectors.account_publisher_key_ids(account=account) == {key.pk}
        event = ArchiveEvent.objects.get(verb="account.publishers_changed")
    assert event.data == {
        "before": {"users": [], "api_keys": []},
        "after": {"users": [], "api_keys": [key.pk]},
    }
    ticked = admin.get(url).content.decode()
    assert f'name="api_keys" value="{key.pk}" id="id_api_keys_0" checked' in ticked


def test_what_a_key_writes_names_the_key_and_its_owner(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    key, token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    delegate(personas, account, [key])
    body = write(token, account).json()
    owner = key.created_by.display_name
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="post.created", object_id=str(body["id"]))
    assert (event.actor_type, event.actor_id) == ("accounts.apikey", str(key.pk))
    assert key.name in event.actor_name
    assert key.key_id in event.actor_name
    assert owner in event.actor_name

    page = personas.client_for(personas.admin_a).get(
        reverse("post_detail", args=["alpha", body["id"]])
    )
    text = page.content.decode()
    assert f"Written with the API key “{key.name}” ({key.key_id}), owner {owner}" in text


def test_a_post_a_person_writes_names_no_key(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    admin = personas.client_for(personas.admin_a)
    posts = reverse("post-list", args=["alpha"])
    body = send(admin, "post", posts, {"text": "Hello.", "accounts": [account.pk]}).json()
    assert body["api_key"] is None
    page = admin.get(reverse("post_detail", args=["alpha", body["id"]])).content.decode()
    assert "Written with the API key" not in page
