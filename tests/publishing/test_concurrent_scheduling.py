"""People schedule, move and edit posts while the same agency's posts are going out, all
in processes of their own on committed data: locks taken in one order (DESIGN.md)
mean nobody's work is killed as a deadlock, no delivery batch dies at its claim and
waits out its lease, and every post goes out once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from subprocess import PIPE

from django.utils import timezone

from accounts.models import Agency, Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import PostTarget, TargetState
from tests.delivery_processes import ROOT, Delivery, wait_for
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, emulated_account_for, scheduled_post_for
from tests.publishing.delivery import HANDLES, on_network

NETWORKS = ("x", "mastodon", "bluesky")
GOING_OUT = 60
DESKS = 2
ROUNDS = 10


def test_people_schedule_move_and_edit_posts_while_the_agencys_posts_go_out(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    person = MembershipFactory(agency=live_agency, roles=[Role.ADMIN]).user
    accounts = [emulated_account_for(live_agency, emulator, n, HANDLES[n]) for n in NETWORKS]
    # Margins as shipped, not the short ones of the other delivery tests: on a loaded
    # machine a send may wait past a short margin and be tried again, which is not
    # what this test is about (a claim that dies, or a post claimed twice).
    delivery.env |= {"DELIVERY_SENDING_MARGIN_SECONDS": "60", "DISPATCH_LEASE_SECONDS": "30"}
    delivery.worker()
    delivery.dispatcher()
    # A wave of posts due one after another over the next seconds, each for every account.
    start = timezone.now() + timedelta(seconds=2)
    going = [
        scheduled_post_for(
            live_agency,
            accounts,
            at=start + timedelta(milliseconds=100 * n),
            text=f"Wave notice {n}: the library opens late.",
        ).pk
        for n in range(GOING_OUT)
    ]
    desk = [sys.executable, "-m", "tests.publishing.desk_process", "--rounds", str(ROUNDS),
            "--agency", str(live_agency.pk), "--person", str(person.pk),
            "--accounts", ",".join(str(a.pk) for a in accounts)]  # fmt: skip
    desks = [
        # Our own module, no shell.
        subprocess.Popen([*desk, "--tag", f"Desk {k}"], cwd=ROOT, env=delivery.env, stdout=PIPE)  # noqa: S603
        for k in range(DESKS)
    ]
    scheduled = []
    for running in desks:
        out, _err = running.communicate(timeout=600)
        report = json.loads(out.decode().strip().splitlines()[-1])
        assert running.returncode == 0, report.get("error")
        scheduled += report["scheduled"]
    assert len(scheduled) == DESKS * ROUNDS

    posts = going + scheduled
    with agency_scope(live_agency.pk):
        targets = PostTarget.objects.filter(post_id__in=posts)

        def all_out() -> bool:
            return not targets.exclude(state=TargetState.PUBLISHED).exists()

        try:
            wait_for(all_out, timeout=300, what="every post going out")
        except AssertionError as late:
            left = targets.exclude(state=TargetState.PUBLISHED)
            raise AssertionError(list(left.values_list("post__text", "state"))) from late
        assert targets.count() == len(posts) * len(NETWORKS)
        # Each was claimed once: no batch died at its claim to be handed over again.
        assert set(targets.values_list("attempts", flat=True)) == {1}
        ids = [str(pk) for pk in targets.values_list("pk", flat=True)]
        sent = ArchiveEvent.objects.filter(verb="target.sending", object_id__in=ids)
        assert sent.count() == len(posts) * len(NETWORKS)
    for account in accounts:
        texts = [remote["text"] for remote in on_network(emulator, account)]
        assert len(texts) == len(set(texts)) == len(posts)
    for log in delivery.logs.glob("*.log"):
        assert b"deadlock detected" not in log.read_bytes(), log.name
