"""Facebook and Instagram push to the webhook: Meta's handshake is answered with the
verify token only, a body not signed with the app secret is refused, and what is pushed
is stored for every agency that connected the account, as a poll would. Under the web
server, the emulator's pushes and polls in processes of their own, racing, store and
record each item once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from inbox.models import InboxPoll
from inbox.services import DELETED, RECEIVED
from publishing.models import SocialAccount
from publishing.networks.base import Network, OutgoingPost
from publishing.networks.graph.webhooks import signature_of
from publishing.networks.registry import adapter_for, network_settings
from tests.conftest import WEBHOOK_SECRETS
from tests.delivery_processes import wait_for
from tests.emulator_client import Emulator
from tests.factories import AgencyFactory, emulated_account_for
from tests.inbox.conftest import events, items

ROOT = Path(__file__).resolve().parents[2]
URL = "/webhooks/meta/"


@pytest.fixture
def webhook_on(settings: pytest.FixtureRequest) -> str:
    settings.META_WEBHOOK_VERIFY_TOKEN = "verify-me"  # type: ignore[attr-defined]
    return "verify-me"


def handshake(client: Client, token: str, mode: str = "subscribe") -> tuple[int, str]:
    answer = client.get(
        URL, {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}
    )
    return answer.status_code, answer.content.decode()


def push(client: Client, body: dict[str, object], *, secret: str | None = None) -> int:
    raw = json.dumps(body).encode()
    key = network_settings(Network.FACEBOOK).client_secret if secret is None else secret
    answer = client.generic(
        "POST",
        URL,
        raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature_of(key, raw)},
    )
    return answer.status_code


def comment(page: str, verb: str, comment_id: str, text: str = "") -> dict[str, object]:
    value = {
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": f"{page}_1",
        "parent_id": f"{page}_1",
        "from": {"id": "5550001", "name": "Amara Okafor"},
        "created_time": int(time.time()),
        "message": text,
    }
    change = {"field": "feed", "value": value}
    return {
        "object": "page",
        "entry": [{"id": page, "time": int(time.time()), "changes": [change]}],
    }


def test_the_handshake_answers_the_challenge_only_with_the_verify_token(
    client: Client, webhook_on: str, settings: pytest.FixtureRequest
) -> None:
    assert handshake(client, webhook_on) == (200, "1158201444")
    assert handshake(client, "guessed")[0] == 403
    assert handshake(client, webhook_on, mode="unsubscribe")[0] == 403
    settings.META_WEBHOOK_VERIFY_TOKEN = ""  # type: ignore[attr-defined]
    assert handshake(client, "")[0] == 404


@pytest.mark.django_db
def test_a_push_is_stored_for_each_agency_with_the_page_and_a_removal_marks_it_deleted(
    client: Client, webhook_on: str, quiet: Emulator
) -> None:
    riverton = AgencyFactory(slug="riverton")
    county = AgencyFactory(slug="county")
    page = emulated_account_for(riverton, quiet, "facebook", "riverton").remote_id
    emulated_account_for(county, quiet, "facebook", "riverton")

    assert push(client, comment(page, "add", f"{page}_1_9", "Pool open?"), secret="forged") == 403
    assert items(riverton) == []
    assert push(client, comment(page, "add", f"{page}_1_9", "Pool open?")) == 200
    assert push(client, comment(page, "add", f"{page}_1_9", "Pool open?")) == 200
    assert push(client, comment(page, "remove", f"{page}_1_9")) == 200

    for agency in (riverton, county):
        [item] = items(agency)
        assert (item.remote_id, item.text, item.author_name) == (
            f"{page}_1_9",
            "Pool open?",
            "Amara Okafor",
        )
        assert item.deleted_on_network_at is not None
        assert len(events(agency, RECEIVED)) == 1
        [deletion] = events(agency, DELETED)
        assert deletion.data["noticed_by"] == "push"
    assert client.post(URL, b"{", content_type="application/json").status_code == 403


COMMENTS = 60
POLLER = """
import time
from pathlib import Path
from django.db.models.functions import Now
from govsocial.tenancy import agency_scope
from inbox.models import InboxPoll
from inbox.services import account_poll
from publishing.models import SocialAccount

stop = Path({stop!r})
while not stop.exists():
    with agency_scope({agency}):
        account = SocialAccount.objects.get(pk={account})
        InboxPoll.objects.filter(account=account).update(next_poll_at=Now())
        account_poll(account=account)
    time.sleep(0.05)
"""


def polled(account: SocialAccount) -> bool:
    with agency_scope(account.agency_id):
        return InboxPoll.objects.filter(account=account, polled_at__isnull=False).exists()


def test_pushes_and_polls_racing_in_processes_of_their_own_store_each_item_once(
    quiet: Emulator,
    web_server: str,
    network_environment: dict[str, str],
    django_db_blocker: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        # Committed, for the web server and the pollers to see.
        agency: Agency = AgencyFactory(slug=f"push-{uuid.uuid4().hex[:8]}")
        account = emulated_account_for(agency, quiet, "facebook", "riverton")
        post = adapter_for(Network.FACEBOOK).publish(
            account.credentials(), OutgoingPost("Road work on Elm")
        )
    quiet.configure(
        meta_webhook={
            "url": web_server + reverse("meta_webhook"),
            "verify_token": WEBHOOK_SECRETS["META_WEBHOOK_VERIFY_TOKEN"],
            "app_secret": WEBHOOK_SECRETS["FACEBOOK_APP_SECRET"],
        }
    )
    stop = tmp_path / "stop"
    script = POLLER.format(stop=str(stop), agency=agency.pk, account=account.pk)
    pollers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env={**os.environ, **network_environment},
        )
        for _ in range(2)
    ]
    try:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            wait_for(lambda: polled(account), timeout=120, what="the pollers' first poll")
        said = []
        for n in range(COMMENTS):
            said.append(
                quiet.inbound(
                    network="facebook",
                    account="riverton",
                    kind="reply",
                    text=f"Comment {n}",
                    in_reply_to=post.remote_id,
                )["id"]
            )
            # Spread over several polls, so that pushes and polls meet.
            time.sleep(0.03)
        wait_for(
            lambda: quiet.configure()["meta_webhook"]["delivered"] == COMMENTS,
            timeout=120,
            what="the emulator's pushes",
        )
    finally:
        stop.touch()
        for poller in pollers:
            poller.wait(timeout=120)

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        stored = items(agency)
        recorded = events(agency, RECEIVED)
    assert quiet.configure()["meta_webhook"]["failed"] == 0
    assert all(poller.returncode == 0 for poller in pollers)
    assert sorted(item.remote_id for item in stored) == sorted(said)
    assert sorted(event.data["remote_id"] for event in recorded) == sorted(said)
