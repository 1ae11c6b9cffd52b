"""Give the demo agency a fortnight of work, each act through the service that does it
for real (so the archive records it as real use records it): posts written by its comms
officer in English and French, approved through a two-step chain and published to the
emulator; citizens' replies pulled into the inbox; posts on the schedule for the coming
days, one held by a crisis pause, one the network refused, one it never confirmed;
approvals waiting at each step; an emergency post awaiting review; a records request
with its package.

Only the past cannot be made: the services date what they do now. A request's day of
receipt is the one thing given as a date, and is given as a past one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from accounts.models import Agency, Membership, Role, User
from approvals.decisions import approval_decide, post_submit
from approvals.emergency import post_publish_emergency
from approvals.models import StepRule, Verdict
from approvals.services import StepSpec, chain_save
from archive.exports import package_start
from archive.models import RequestKind
from archive.requests import request_open, search_save
from govsocial.demo.networks import emulator_call
from inbox.models import InboxItem
from inbox.services import account_poll
from publishing.models import Post, PostTarget, SocialAccount, TargetState
from publishing.networks.base import Network
from publishing.services import (
    account_publishers_set,
    pause_start,
    post_create,
    post_publish_now,
    targets_publish,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class People:
    """The demo agency's members, by what they do."""

    admin: User
    approver: User
    author: User
    records: User


@dataclass(frozen=True)
class Written:
    """A post as the comms officer writes it: its text, language and networks."""

    text: str
    language: str = "en"
    networks: Sequence[Network] = (Network.X, Network.FACEBOOK, Network.MASTODON, Network.BLUESKY)


PUBLISHED = (
    Written(
        "Spring cleanup week starts Monday: bulky items go out with your regular "
        "garbage, one item per household per day. https://riverton.example/cleanup"
    ),
    Written(
        "La semaine du grand ménage du printemps commence lundi : un objet encombrant "
        "par foyer et par jour, avec vos ordures habituelles.",
        "fr",
    ),
    Written(
        "Reminder: the Riverside Library stays open until 9 pm on weekdays during exam season."
    ),
    Written(
        "Rappel : la bibliothèque Riverside reste ouverte jusqu'à 21 h en semaine "
        "pendant les examens.",
        "fr",
    ),
    Written(
        "Water main repairs close Elm Street between 3rd and 5th Avenue on Thursday, "
        "7 am to 4 pm. Buses 12 and 14 detour via Oak Street."
    ),
)
# Sent again to X, which refuses the same text twice: the failed delivery.
REPEATED = Written(PUBLISHED[2].text, networks=(Network.X,))
# Mastodon takes it but its answer never comes: the unconfirmed delivery.
UNCONFIRMED = Written(
    "Council meets Tuesday at 7 pm; the agenda and the live stream are on the city's website.",
    networks=(Network.MASTODON,),
)
SCHEDULED = (
    (
        1,
        Written(
            "Free compost pickup this Saturday at the Public Works yard, 8 am to noon. "
            "Bring your own bags."
        ),
    ),
    (
        2,
        Written(
            "Compost gratuit ce samedi à la cour des Travaux publics, de 8 h à midi. "
            "Apportez vos sacs.",
            "fr",
        ),
    ),
    (
        3,
        Written(
            "The outdoor pools open for the season on June 1. Lifeguard jobs are still "
            "open: apply by Friday.",
            networks=(Network.FACEBOOK, Network.X),
        ),
    ),
)
# Waiting at the first step of the chain, and at its second.
FOR_APPROVAL = (
    (
        5,
        Written(
            "Property tax bills are in the mail. Pay online, by phone or at City Hall "
            "before June 30."
        ),
    ),
    (
        6,
        Written(
            "Les avis d'impôt foncier sont postés. Payez en ligne, par téléphone ou à "
            "l'hôtel de ville avant le 30 juin.",
            "fr",
        ),
    ),
)
EMERGENCY = Written(
    "Boil-water advisory for the North End until further notice after a water main "
    "break. Bring water to a rolling boil for one minute before drinking.",
    networks=(Network.X, Network.MASTODON, Network.BLUESKY),
)
EMERGENCY_REASON = "Water main break on Ridge Road: residents must be told at once."
PAUSE_REASON = (
    "Flooding on River Road: routine Facebook posts wait while the page carries the "
    "emergency updates."
)
# How long the demo waits for a worker's part (a send, its retries, a poll) before it
# goes on with what it has, and how often it looks. A delivery still sending then is
# named in a warning: the demo starts without it rather than not at all.
WORKER_DEADLINE_SECONDS = 90.0
WAIT_INTERVAL_SECONDS = 0.5
# Where a delivery has ended, for the demo's purpose: published (with its id on the
# network), refused, or sent with no answer.
SETTLED = (TargetState.PUBLISHED, TargetState.FAILED, TargetState.UNCONFIRMED)
# The networks the demo publishes to: without an account on each it means nothing.
PUBLISHED_TO = (Network.X, Network.FACEBOOK, Network.MASTODON, Network.BLUESKY)
# What citizens write besides the replies the emulator's own citizens make.
CITIZENS_WRITE = (
    (
        "mastodon",
        "mention",
        "hugo_lefebvre",
        "{handle} Est-ce que la collecte des encombrants passe aussi rue des Érables ?",
    ),
    (
        "x",
        "mention",
        "chloe_nguyen",
        "{handle} Merci pour l'info sur la bibliothèque ! Et le samedi ?",
    ),
    (
        "facebook",
        "message",
        "elena_rossi",
        "Hello, my street was missed by the snow plough again this morning (Birch Crescent).",
    ),
    (
        "bluesky",
        "mention",
        "farid_haddad",
        "{handle} is the Elm Street detour signed for cyclists too?",
    ),
)


def fortnight_load(*, agency: Agency, people: People, accounts: Sequence[SocialAccount]) -> None:
    """Make the agency's fortnight (the agency bound; its accounts connected). Go on
    with what is published when some deliveries do not end in time, warning about them;
    fail only when an account the demo publishes to is not connected."""
    by_network = {account.network: account for account in accounts}
    missing = [network for network in PUBLISHED_TO if network not in by_network]
    if missing:
        raise RuntimeError("The demo could not load: no account connected on " + ", ".join(missing))
    comms = Membership.objects.filter(agency=agency, user=people.author)
    for account in accounts:
        account_publishers_set(account=account, actor=people.admin, members=comms)
    chain_save(
        agency=agency, actor=people.admin, name="Supervisor, then agency admin", is_default=True,
        steps=[StepSpec(rule=StepRule.ANY, roles=[Role.APPROVER]),
               StepSpec(rule=StepRule.ANY, roles=[Role.ADMIN])],
    )  # fmt: skip
    zone = ZoneInfo(agency.time_zone)
    published = [_approved(agency, people, by_network, written) for written in PUBLISHED]
    unconfirmed = _approved(agency, people, by_network, UNCONFIRMED)
    for day, written in SCHEDULED:
        _submitted(agency, people, by_network, written, _morning(zone, day), steps=2)
    for (day, written), steps in zip(FOR_APPROVAL, (0, 1), strict=True):
        _submitted(agency, people, by_network, written, _morning(zone, day), steps=steps)
    _publish_now(people.author, published)
    # The unconfirmed send below must be the only one on Mastodon, and citizens answer
    # these posts: every one has ended (or been given up on) before anything else.
    _settled(published, TargetState.PUBLISHED, "the first posts being published")
    _unconfirmed_send(people.author, by_network[Network.MASTODON], unconfirmed)
    # Held: the Facebook page's scheduled posts wait while the pause lasts.
    pause_start(
        agency=agency, actor=people.admin, reason=PAUSE_REASON,
        accounts=[by_network[Network.FACEBOOK]], until=_morning(zone, 2),
    )  # fmt: skip
    repeated = _approved(agency, people, by_network, REPEATED)
    _publish_now(people.author, [repeated])
    _settled([repeated], TargetState.FAILED, "X refusing the same text twice")
    emergency = _written(agency, people.admin, by_network, EMERGENCY)
    post_publish_emergency(post=emergency, actor=people.admin, reason=EMERGENCY_REASON)
    _send([emergency])
    _settled([emergency], TargetState.PUBLISHED, "the emergency post being published")
    _citizens_write(by_network, published)
    _inboxes_filled(accounts)
    _records_request(agency, people)


def _unconfirmed_send(author: User, mastodon: SocialAccount, post: Post) -> None:
    """Publish ``post`` to Mastodon, which stores it but answers after govsocial stopped
    waiting, and whose timeline cannot be read for now: the target stays unconfirmed.

    The timeline fails first, so that no reconciliation finds the post in between; the
    late answer is for the next status sent on the account, so nothing else may be on
    its way to Mastodon when it is set (the caller saw every earlier send end)."""
    emulator_call("POST", "/faults", {
        "kind": "server_error", "network": "mastodon", "method": "GET",
        "path": f"/accounts/{mastodon.remote_id}/statuses",
    })  # fmt: skip
    emulator_call("POST", "/faults", {
        "kind": "accepted_timeout", "network": "mastodon", "account": mastodon.handle.lstrip("@"),
        "method": "POST", "path": "/statuses", "count": 1,
        "hold_ms": int(settings.NETWORK_TIMEOUT_SECONDS * 1000) + 2000,
    })  # fmt: skip
    _publish_now(author, [post])
    _settled([post], TargetState.UNCONFIRMED, "Mastodon's late answer to the council post")


def _written(
    agency: Agency, author: User, by_network: dict[str, SocialAccount], written: Written
) -> Post:
    """Write the post as a draft."""
    return post_create(
        agency=agency, actor=author, text=written.text, language=written.language,
        account_ids=[by_network[network].pk for network in written.networks],
    )  # fmt: skip


def _submitted(
    agency: Agency,
    people: People,
    by_network: dict[str, SocialAccount],
    written: Written,
    at: datetime | None,
    *,
    steps: int,
) -> Post:
    """Write the post, submit it for ``at`` and have the first ``steps`` steps approve it."""
    post = _written(agency, people.author, by_network, written)
    approval = post_submit(post=post, actor=people.author, at=at)
    for approver in (people.approver, people.admin)[:steps]:
        approval = approval_decide(approval=approval, actor=approver, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    return post


def _approved(
    agency: Agency, people: People, by_network: dict[str, SocialAccount], written: Written
) -> Post:
    """Write the post and have both steps approve it, with no time set."""
    return _submitted(agency, people, by_network, written, None, steps=2)


def _publish_now(author: User, posts: Sequence[Post]) -> None:
    """Publish the approved posts now, and send them."""
    for post in posts:
        post_publish_now(post=post, actor=author)
    _send(posts)


def _send(posts: Sequence[Post]) -> None:
    """Send the posts' due targets as a worker does (the dispatcher may hand them to a
    worker as well: whichever claims a target first sends it, once)."""
    target_ids = list(PostTarget.objects.filter(post__in=posts).values_list("pk", flat=True))
    targets_publish(target_ids=target_ids)


def _citizens_write(by_network: dict[str, SocialAccount], published: Sequence[Post]) -> None:
    """Have citizens write in English and French, besides the emulator's own replies:
    mentions, a private message, and a reply in French to a French post."""
    for network, kind, citizen, text in CITIZENS_WRITE:
        handle = by_network[network].handle
        emulator_call("POST", "/inbound", {
            "network": network, "account": handle.lstrip("@"), "kind": kind,
            "citizen": citizen, "text": text.format(handle=f"@{handle.lstrip('@')}"),
        })  # fmt: skip
    # A reply needs the post on the network: a French post published there with its id.
    target = (
        PostTarget.objects.filter(
            post__in=[post for post in published if post.language == "fr"],
            account=by_network[Network.MASTODON],
            state=TargetState.PUBLISHED,
        )
        .exclude(remote_id="")
        .select_related("account")
        .order_by("pk")
        .first()
    )
    if target is None:
        logger.warning("Demo: no French post is published on Mastodon; no citizen replies.")
        return
    emulator_call("POST", "/inbound", {
        "network": "mastodon", "account": target.account.handle.lstrip("@"), "kind": "reply",
        "citizen": "hugo_lefebvre", "in_reply_to": target.remote_id,
        "text": "Merci ! Est-ce que les matelas sont acceptés ?",
    })  # fmt: skip


def _inboxes_filled(accounts: Sequence[SocialAccount]) -> None:
    """Poll each account until its inbox holds everything citizens wrote to it on the
    network. A poll is claimed, so one a worker has just made leaves the account not due
    (or still being polled): it is polled again once due."""
    wrote = {account.pk: _citizens_wrote(account) for account in accounts}

    def held(account: SocialAccount) -> int:
        return InboxItem.objects.filter(account=account).count()

    def filled() -> bool:
        missing = [account for account in accounts if held(account) < wrote[account.pk]]
        for account in missing:
            account_poll(account=account)
        return all(held(account) >= wrote[account.pk] for account in missing)

    def counts() -> str:
        return ", ".join(
            f"{account.network} {held(account)} of {wrote[account.pk]}" for account in accounts
        )

    _wait_until(filled, what="the inboxes holding what citizens wrote", state=counts)


def _citizens_wrote(account: SocialAccount) -> int:
    """Return how many replies, mentions and messages citizens wrote to ``account``, as
    the network holds them."""
    query = urlencode(
        {"network": account.network, "account": account.handle.lstrip("@"), "origin": "citizen"}
    )
    found: int = emulator_call("GET", f"/posts?{query}")["count"]
    return found


def _settled(posts: Sequence[Post], state: TargetState, what: str) -> None:
    """Wait until every target of ``posts`` has ended (``SETTLED``), whichever process
    sent it, or the deadline passed; warn, naming them, about the targets not in
    ``state`` then: the demo goes on with what there is."""
    # Read afresh each time (``.all()``): a queryset once read keeps its rows.
    targets = PostTarget.objects.filter(post__in=posts).select_related("account").order_by("pk")

    def ended(target: PostTarget) -> bool:
        return target.state in SETTLED and (
            target.state != TargetState.PUBLISHED or bool(target.remote_id)
        )

    _wait_until(
        lambda: all(ended(target) for target in targets.all()),
        what=what,
        state=lambda: _states(list(targets.all())),
    )
    astray = [
        target
        for target in targets.all()
        if target.state != state or (state == TargetState.PUBLISHED and not target.remote_id)
    ]
    if astray:
        logger.warning(
            "Demo: %s did not happen for every delivery; going on. Not %s: %s",
            what, state, _states(astray),
        )  # fmt: skip


def _states(targets: Sequence[PostTarget]) -> str:
    """Describe where each target is, and why when it says."""
    return "; ".join(
        f"post {target.post_id} on {target.account.network} {target.state}"
        + (f" ({target.failure_reason})" if target.failure_reason else "")
        for target in targets
    )


def _wait_until(done: Callable[[], bool], *, what: str, state: Callable[[], str]) -> None:
    """Return once ``done()`` says so, asking the database again and again: the workers,
    the dispatcher and the emulator beside the demo on a busy two-core machine may take
    a minute for what takes a second alone. After the deadline, warn saying ``state()``
    and return: the demo goes on without it."""
    deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
    while not done():
        if time.monotonic() > deadline:
            logger.warning(
                "Demo: %s did not happen within %.0f seconds; going on. Now: %s",
                what, WORKER_DEADLINE_SECONDS, state(),
            )  # fmt: skip
            return
        time.sleep(WAIT_INTERVAL_SECONDS)


def _records_request(agency: Agency, people: People) -> None:
    """Open a public-records request received last week, save the search that answers
    it, and ask for its package."""
    officer = people.records
    request = request_open(
        agency=agency, actor=officer, person=officer, kind=RequestKind.PUBLIC_RECORDS,
        requester="Jordan Lee, Riverton Ledger", requester_email="jlee@ledger.example",
        subject="Every message citizens sent the city's social media accounts this month.",
        received_on=timezone.localdate() - timedelta(days=6),
    )  # fmt: skip
    search_save(
        request=request, actor=officer, person=officer, name="Citizens' messages",
        criteria={"action": "inbox."},
    )  # fmt: skip
    # A worker builds it, as it builds every package.
    package_start(
        request=request, actor=officer, person=officer, time_zone=agency.time_zone,
        language="en",
    )  # fmt: skip


def _morning(zone: ZoneInfo, days: int) -> datetime:
    """Return 9:30 in the agency's zone, ``days`` days from today."""
    day = timezone.now().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, clock(9, 30), tzinfo=zone)
