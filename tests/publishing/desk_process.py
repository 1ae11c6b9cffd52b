"""Write, schedule, move, edit and schedule again posts of one agency, as its people do
at their desks, in a process of its own: the concurrent scheduling test runs a few of
these while the same agency's posts are going out.

``python -m tests.publishing.desk_process --agency ID --person ID --accounts 1,2
--rounds 10 --tag desk-1`` (with the app's environment). Each round is one post, each
step its own transaction through the services people use. Prints one JSON line: the
ids of the posts it left on the schedule; exits with 1 at the first error (a deadlock
is one), after printing it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from accounts.models import Agency, User  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402
from publishing.models import Post  # noqa: E402
from publishing.services import post_create, post_schedule, post_update  # noqa: E402

# Far enough ahead that the edits land before the post is due.
MOVE_AHEAD = timedelta(seconds=30)
# Soon enough to go out while the other desks are still at work.
FINAL_AHEAD = timedelta(seconds=1)


def one_round(agency: Agency, person: User, account_ids: list[int], text: str) -> Post:
    """Write a post, schedule it, move it, edit it (back to draft), schedule it again."""
    post = post_create(agency=agency, actor=person, text=text, account_ids=account_ids)
    post = post_schedule(post=post, actor=person, at=timezone.now() + MOVE_AHEAD)
    post = post_schedule(post=post, actor=person, at=timezone.now() + 2 * MOVE_AHEAD)
    post = post_update(
        post=post,
        actor=person,
        text=text + " (edited)",
        link="",
        campaign="",
        account_ids=account_ids,
        variants={},
        media=[],
    )
    return post_schedule(post=post, actor=person, at=timezone.now() + FINAL_AHEAD)


def main() -> int:
    """Run the rounds; print the posts left on the schedule, or the error that stopped."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--agency", type=int, required=True)
    parser.add_argument("--person", type=int, required=True)
    parser.add_argument("--accounts", required=True, help="account ids, comma-separated")
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--tag", required=True, help="what this desk's posts say")
    args = parser.parse_args()
    account_ids = [int(pk) for pk in args.accounts.split(",")]
    scheduled = []
    with agency_scope(args.agency):
        agency = Agency.objects.get(pk=args.agency)
        person = User.objects.get(pk=args.person)
        try:
            for n in range(args.rounds):
                text = f"{args.tag} notice {n}: the pool closes early."
                scheduled.append(one_round(agency, person, account_ids, text).pk)
        except Exception:
            print(json.dumps({"error": traceback.format_exc(), "scheduled": scheduled}))
            return 1
    print(json.dumps({"scheduled": scheduled}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
