"""`make run`'s demo lives: the City of Riverton starts with its five accounts connected
to the emulator and a fortnight of work made through the apps' services, published
posts with citizens' replies in its inbox included; loading the demo again adds
nothing; and the command refuses where the networks are the real ones.

The launcher runs as a newcomer runs it (a data folder, servers and emulator of its
own; ``launcher`` in conftest.py, shared with test_demo_pages.py), and the database is
read through ``manage shell``, as the app role sees it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.delivery_processes import wait_for
from tests.launch.launcher_process import Launcher

# A worker builds the records package and keeps the accounts' pictures once the demo
# asked for them.
WORKER_TIMEOUT = 300

# What the demo agency holds, read in the launcher's environment.
READ = """
import json
from collections import Counter
from accounts.models import Agency
from approvals.models import Approval, EmergencyReview
from archive.models import ArchiveEvent, ExportPackage, RecordsRequest
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from publishing.models import Post, PostTarget, SocialAccount
MADE = ["account.connected", "account.reconnected", "post.created", "records.request_opened"]
agency = Agency.objects.get(slug="riverton")
with agency_scope(agency.pk):
    published = PostTarget.objects.filter(state="published")
    print(json.dumps({
        "accounts": sorted(
            (a.network, a.health) for a in SocialAccount.objects.filter(disconnected_at=None)
        ),
        "targets": Counter(PostTarget.objects.values_list("state", flat=True)),
        "permalinks": sorted({t.permalink.split("/")[2] for t in published}),
        "published_on": sorted(set(published.values_list("account__network", flat=True))),
        "posts": Post.objects.count(),
        "languages": sorted(set(Post.objects.values_list("language", flat=True))),
        "replies": InboxItem.objects.filter(kind="reply").count(),
        "inbox": InboxItem.objects.count(),
        "waiting_steps": sorted(
            Approval.objects.filter(state="pending").values_list("step", flat=True)
        ),
        "reviews": list(EmergencyReview.objects.values_list("state", flat=True)),
        "requests": RecordsRequest.objects.count(),
        "packages": list(ExportPackage.objects.values_list("status", flat=True)),
        "package_rows": [
            [package.status, package.attempts, str(package.started_at), package.failure]
            for package in ExportPackage.objects.all()
        ],
        "made": ArchiveEvent.objects.filter(verb__in=MADE).count(),
        "pictures": SocialAccount.objects.exclude(picture_digest="").count(),
    }))
"""


# The transactions open for more than half a minute: one keeps a package's build waiting
# (``archive.services.earlier_transactions_wait``).
LONG_TRANSACTIONS = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT pid, state, now() - xact_start, left(query, 300) FROM pg_stat_activity"
        " WHERE xact_start < now() - interval '30 seconds'"
    )
    print("open:", cursor.fetchall())
"""


def riverton(launcher: Launcher) -> dict[str, Any]:
    """Return what the demo agency holds, as ``READ`` describes it."""
    done = launcher.manage("shell", "-c", READ)
    assert done.returncode == 0, done.stdout + done.stderr
    # The launcher's own lines come first.
    [line] = [line for line in done.stdout.splitlines() if line.startswith("{")]
    found: dict[str, Any] = json.loads(line)
    return found


def package_state(launcher: Launcher) -> str:
    """Describe the demo's package, the transactions open long, and what the launcher's
    processes said of packages and errors."""
    done = launcher.manage("shell", "-c", LONG_TRANSACTIONS)
    long = [line for line in done.stdout.splitlines() if line.startswith("open:")]
    said = [
        line
        for line in launcher.output().splitlines()
        if ("package" in line and line.startswith("[20")) or "ERROR" in line or "Traceback" in line
    ]
    return "\n".join([
        f"packages (status, attempts, started, failure): {riverton(launcher)['package_rows']}",
        f"transactions open for more than 30 s: {long}",
        *said[-60:],
    ])  # fmt: skip


def test_the_demo_agency_starts_with_its_accounts_and_a_fortnight_of_work(
    launcher: Launcher,
) -> None:
    found = riverton(launcher)

    networks = ["bluesky", "facebook", "instagram", "mastodon", "x"]
    assert found["accounts"] == [[network, "ok"] for network in networks]
    # Published on the emulator, whose pages the permalinks open: 23 deliveries to the
    # four networks the demo posts to (Instagram has none), a few of which may still be
    # sending when the demo gives up waiting for them (it goes on without them).
    assert found["targets"]["published"] >= 15
    assert len(set(found["published_on"]) & {"bluesky", "facebook", "mastodon", "x"}) >= 3
    assert found["permalinks"] == [f"127.0.0.1:{launcher.emulator_port}"]
    assert found["languages"] == ["en", "fr"]
    assert found["replies"] >= 5 and found["inbox"] > found["replies"]
    # Where the deliveries are, and what the demo said of those it did not see end.
    said = "\n".join(line for line in launcher.output().splitlines() if "Demo:" in line)
    targets = {"scheduled": 0, "held": 0, "failed": 0, "unconfirmed": 0} | found["targets"]
    assert targets["scheduled"] >= 2 and targets["held"] >= 2, (targets, said)
    assert targets["failed"] == 1 and targets["unconfirmed"] == 1, (targets, said)
    assert found["waiting_steps"] == [1, 2]
    assert found["reviews"] == ["open"]
    assert found["requests"] == 1 and len(found["packages"]) == 1
    wait_for(
        lambda: riverton(launcher)["packages"] == ["ready"],
        timeout=WORKER_TIMEOUT,
        what="the demo's records package being built",
        state=lambda: package_state(launcher),
    )
    wait_for(
        lambda: riverton(launcher)["pictures"] == len(networks),
        timeout=WORKER_TIMEOUT,
        what="the pictures of the demo's accounts being kept",
    )


def test_loading_the_demo_again_adds_nothing(launcher: Launcher) -> None:
    before = riverton(launcher)

    again = launcher.manage("demo_data")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "admin@riverton.example" in again.stdout
    after = riverton(launcher)
    for kept in ("posts", "made", "inbox", "requests", "accounts", "waiting_steps"):
        assert after[kept] == before[kept], kept


def test_the_demo_is_refused_where_the_networks_are_real(
    settings: pytest.FixtureRequest,
) -> None:
    settings.EMULATOR_URL = ""  # type: ignore[attr-defined]

    with pytest.raises(CommandError, match="embedded default"):
        call_command("demo_data")
