"""Reads of publishing: network accounts and who (members, API keys) may publish to
them, posts with their targets and revisions, the calendar, queue slots, and the media
library."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple, TypedDict, Unpack
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, F, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Agency, ApiKey, Membership, Role, User
from accounts.selectors import roles_of
from govsocial.tenancy import required_agency_id
from govsocial.timezones import LocalTimeError, local_to_utc
from publishing.models import (
    NETWORK_CHOICES,
    OVERDUE_LABELS,
    MediaAsset,
    PausedAccount,
    Post,
    PostMedia,
    PostRevision,
    PostTarget,
    PublishingPause,
    QueueSlot,
    SocialAccount,
    SocialAccountKeyPublisher,
    SocialAccountPicture,
    SocialAccountPublisher,
    is_overdue,
    status_label,
)
from publishing.shared_media import shared_file


def social_account_list(*, connected_only: bool = False) -> QuerySet[SocialAccount]:
    """Return the bound agency's network accounts, by network and handle."""
    accounts = SocialAccount.objects.select_related("connected_by")
    return accounts.filter(disconnected_at__isnull=True) if connected_only else accounts


def social_account_get(*, account_id: int) -> SocialAccount | None:
    """Return one network account of the bound agency, or None."""
    return (
        SocialAccount.objects.select_related("agency", "connected_by").filter(pk=account_id).first()
    )


def account_picture_png(*, account_id: int, digest: str) -> bytes | None:
    """Return the PNG of a network account's picture, when ``digest`` names the one kept."""
    png = (
        SocialAccountPicture.objects.filter(account_id=account_id, account__picture_digest=digest)
        .values_list("png", flat=True)
        .first()
    )
    return None if png is None else bytes(png)


def account_publisher_ids(*, account: SocialAccount) -> set[int]:
    """Return the ids of the users the admins delegated ``account`` to."""
    return set(
        SocialAccountPublisher.objects.filter(content_object=account).values_list(
            "user_id", flat=True
        )
    )


def account_publisher_key_ids(*, account: SocialAccount) -> set[int]:
    """Return the ids of the API keys the admins delegated ``account`` to."""
    return set(
        SocialAccountKeyPublisher.objects.filter(account=account).values_list(
            "api_key_id", flat=True
        )
    )


def delegable_members(*, account: SocialAccount) -> list[Membership]:
    """Return the agency's active members who are not admins (admins may always
    publish), by name."""
    members = (
        Membership.objects.filter(agency_id=account.agency_id, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    return [m for m in members if Role.ADMIN not in m.roles]


def delegable_keys(*, account: SocialAccount) -> list[ApiKey]:
    """Return the agency's usable API keys (neither revoked nor expired) whose role is
    not admin (those may always publish), with their owners, by name."""
    return list(
        ApiKey.objects.filter(agency_id=account.agency_id, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .exclude(role=Role.ADMIN)
        .select_related("created_by")
        .order_by("name", "pk")
    )


def account_publishable_by(*, account: SocialAccount, actor: User | ApiKey) -> bool:
    """Return whether ``actor`` may publish to ``account``: an admin of its agency (a
    person, or a key with the admin role), or a member or usable API key the admins
    delegated it to (whether or not it is connected right now)."""
    roles = roles_of(agency=account.agency, actor=actor)
    if Role.ADMIN in roles:
        return True
    if isinstance(actor, ApiKey):
        # No roles: the key is revoked, expired or another agency's.
        delegated = SocialAccountKeyPublisher.objects.filter(account=account, api_key=actor)
        return bool(roles) and delegated.exists()
    return actor.has_perm(SocialAccountPublisher.PERMISSION, account)


def publishable_accounts(*, agency: Agency, actor: User | ApiKey) -> QuerySet[SocialAccount]:
    """Return the bound agency's connected accounts that ``actor`` may publish to."""
    accounts = social_account_list(connected_only=True)
    roles = roles_of(agency=agency, actor=actor)
    if Role.ADMIN in roles:
        return accounts
    if isinstance(actor, ApiKey):
        return accounts.filter(key_publishers__api_key=actor) if roles else accounts.none()
    return accounts.filter(publishers__user=actor)


class PostFilters(TypedDict, total=False):
    """What a list of posts may be narrowed by: status, account, author, campaign, and
    words their text holds."""

    status: str
    account_id: int | None
    author_id: int | None
    campaign: str
    text: str


def _posts_narrowed(posts: QuerySet[Post] | None, **filters: Unpack[PostFilters]) -> QuerySet[Post]:
    """Return the bound agency's posts (or ``posts``) narrowed by ``filters`` given."""
    posts = Post.objects.all() if posts is None else posts
    if status := filters.get("status"):
        posts = posts.filter(status=status)
    if (account_id := filters.get("account_id")) is not None:
        posts = posts.filter(pk__in=PostTarget.objects.filter(account_id=account_id).values("post"))
    if (author_id := filters.get("author_id")) is not None:
        posts = posts.filter(author_id=author_id)
    if campaign := filters.get("campaign"):
        posts = posts.filter(campaign=campaign)
    if text := filters.get("text", "").strip():
        # In the post's text, or in the text of one of its accounts written apart.
        own = PostTarget.objects.filter(has_own_text=True, text__icontains=text)
        posts = posts.filter(Q(text__icontains=text) | Q(pk__in=own.values("post")))
    return posts


def _with_targets(posts: QuerySet[Post]) -> QuerySet[Post]:
    """Return ``posts`` with their author, and their targets (with their accounts) as
    the list ``target_list``.

    A list, because filling each post's related manager costs a queryset per post,
    more than the rest of a page. The accounts come once each, in a query of their
    own, without their tokens: a list shows no secret, and decrypting two for every
    target cost more than all the rest of a list.
    """
    accounts = SocialAccount.objects.defer("access_token", "refresh_token")
    return posts.select_related("author").prefetch_related(
        Prefetch(
            "targets",
            queryset=PostTarget.objects.prefetch_related(Prefetch("account", queryset=accounts)),
            to_attr="target_list",
        )
    )


def posts_listed(
    *, posts: QuerySet[Post] | None = None, **filters: Unpack[PostFilters]
) -> QuerySet[Post]:
    """Return the bound agency's posts (or ``posts``) in the order lists give them:
    unscheduled ones first, then by scheduled time, latest first; narrowed by the
    ``PostFilters`` given."""
    posts = _posts_narrowed(posts, **filters)
    return posts.order_by(F("scheduled_at").desc(nulls_first=True), "-updated_at", "-pk")


def post_list(
    *, posts: QuerySet[Post] | None = None, **filters: Unpack[PostFilters]
) -> QuerySet[Post]:
    """Return ``posts_listed`` with each post's author and its targets (with their
    accounts) as the list ``target_list``."""
    return _with_targets(posts_listed(posts=posts, **filters))


# What ``post_rows`` reads of a post (``p``, its author ``u``), a target (``t``) and a
# file (``m``, its library file ``f``): the name it gives each column, and the column.
POST_COLUMNS = (
    ("id", "p.id"),
    ("status", "p.status"),
    ("text", "p.text"),
    ("link", "p.link"),
    ("language", "p.language"),
    ("translation", "p.translation_id"),
    ("campaign", "p.campaign"),
    ("author", "u.email"),
    ("api_key", "p.api_key_id"),
    ("scheduled_at", "p.scheduled_at"),
    ("approved_hash", "p.approved_hash"),
    ("created_at", "p.created_at"),
    ("updated_at", "p.updated_at"),
    (
        "revision",
        "(SELECT r.number FROM publishing_postrevision AS r"
        " WHERE r.post_id = p.id ORDER BY r.number DESC LIMIT 1)",
    ),
)


def _of_account(column: str) -> str:
    """Return ``column`` of a target's account, looked up by the account's id: with the
    accounts joined to the targets, the planner read every target of each of the
    agency's accounts to find a page's."""
    # Built of the module's own column names.
    return (
        f"(SELECT a.{column} FROM publishing_socialaccount AS a"  # noqa: S608  # nosec B608
        " WHERE a.id = t.account_id)"
    )


TARGET_COLUMNS = (
    ("account", "t.account_id"),
    ("network", _of_account("network")),
    ("handle", _of_account("handle")),
    *(
        (name, f"t.{name}")
        for name in (
            "has_own_text",
            "text",
            "state",
            "next_attempt_at",
            "remote_id",
            "permalink",
            "published_at",
            "failure_reason",
            "first_comment",
            "comment_state",
            "comment_remote_id",
            "comment_permalink",
            "comment_failure_reason",
        )
    ),
)
MEDIA_COLUMNS = (
    ("asset", "m.asset_id"),
    ("position", "m.position"),
    ("name", "f.original_name"),
    ("mime_type", "f.mime_type"),
    ("alt_text", "m.alt_text"),
)


def column_names(columns: Sequence[tuple[str, str]]) -> list[str]:
    """Return the names ``post_rows`` gives ``columns`` (the API's fields)."""
    return [name for name, _column in columns]


def _select(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(column for _name, column in columns)


# ``post_rows``' three statements, each of the bound agency's rows (parameters: the
# agency, then the posts' ids as one array). Written as SQL once: the ORM's querysets
# took longer to build and compile than the database took to answer them, and ids as one
# array make one statement of any page, which the connection prepares once.
# Built of the module's own column lists.
_POST_ROWS = (
    f"SELECT {_select(POST_COLUMNS)} FROM publishing_post AS p"  # noqa: S608  # nosec B608
    " JOIN accounts_user AS u ON u.id = p.author_id"
    " WHERE p.agency_id = %s AND p.id = ANY(%s::bigint[])"
)
_TARGET_ROWS = (
    f"SELECT t.post_id, {_select(TARGET_COLUMNS)}"  # noqa: S608  # nosec B608
    " FROM publishing_posttarget AS t WHERE t.agency_id = %s AND t.post_id = ANY(%s::bigint[])"
    " ORDER BY t.id"
)
_MEDIA_ROWS = (
    f"SELECT m.post_id, {_select(MEDIA_COLUMNS)}"  # noqa: S608  # nosec B608
    " FROM publishing_postmedia AS m JOIN publishing_mediaasset AS f ON f.id = m.asset_id"
    " WHERE m.agency_id = %s AND m.post_id = ANY(%s::bigint[]) ORDER BY m.position"
)


def post_rows(*, post_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Return the bound agency's posts ``post_ids`` (those that exist), in that order,
    as plain rows: ``POST_COLUMNS`` (``revision`` the newest revision's number), whether
    it is ``overdue`` (``publishing.models.is_overdue``), with
    their targets (``targets``, ``TARGET_COLUMNS``, in the order they were added) and
    files (``media``, ``MEDIA_COLUMNS``, by position).

    Three statements, whatever the number of posts; plain rows, because making models of a
    page's posts, targets, accounts and files, and reading them back field by field,
    cost more than everything else a list does.
    """
    agency_id = required_agency_id("posts are an agency's")
    ids = list(post_ids)
    names = column_names(POST_COLUMNS)
    by_id: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_POST_ROWS, [agency_id, ids])
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            overdue = is_overdue(row["status"], row["scheduled_at"])
            by_id[row["id"]] = row | {"overdue": overdue, "targets": [], "media": []}
        for field, sql, columns in (
            ("targets", _TARGET_ROWS, TARGET_COLUMNS),
            ("media", _MEDIA_ROWS, MEDIA_COLUMNS),
        ):
            names = column_names(columns)
            cursor.execute(sql, [agency_id, list(by_id)])
            for post_id, *values in cursor.fetchall():
                by_id[post_id][field].append(dict(zip(names, values, strict=True)))
    return [by_id[post_id] for post_id in ids if post_id in by_id]


def posts_chosen(*, post_ids: Iterable[int]) -> list[Post]:
    """Return the bound agency's posts among ``post_ids`` (others are not found), in
    the order lists give them."""
    return list(posts_listed(posts=Post.objects.select_related("agency")).filter(pk__in=post_ids))


def post_get(*, post_id: int) -> Post | None:
    """Return one post of the bound agency with its translation, the API key it was
    written with (and that key's owner), targets, files and revisions, or None."""
    return (
        Post.objects.select_related("author", "agency", "translation", "api_key__created_by")
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("account", "agency")),
            Prefetch("media", queryset=PostMedia.objects.select_related("asset")),
            Prefetch("revisions", queryset=PostRevision.objects.select_related("created_by")),
        )
        .filter(pk=post_id)
        .first()
    )


def post_drafted_on(*, composer_key: UUID) -> Post | None:
    """Return the bound agency's post a composer page wrote (by the page's key), or None."""
    found = Post.objects.filter(composer_key=composer_key).values_list("pk", flat=True).first()
    return None if found is None else post_get(post_id=found)


def post_latest_revision(*, post: Post) -> PostRevision | None:
    """Return the post's newest revision, or None before its first save."""
    return PostRevision.objects.filter(post=post).order_by("-number").first()


@dataclass(frozen=True)
class PostFilterChoices:
    """What the post filters offer in the bound agency: its network accounts (id and
    name, by network and handle), the people who wrote its posts (id and name, by name)
    and the campaign tags its posts carry (in order)."""

    accounts: list[tuple[int, str]]
    authors: list[tuple[int, str]]
    campaigns: list[str]


# Each of the agency's authors and campaign tags found by stepping from one to the next
# through the posts' indexes on (agency, author) and (agency, campaign): a step per
# author or tag, however many posts the agency has written over the years. The three
# lists come in one statement, ordered by kind then name.
_FILTER_CHOICES_SQL = """
WITH RECURSIVE campaign AS (
    SELECT min(campaign) AS name FROM publishing_post WHERE agency_id = %(agency)s AND campaign > ''
  UNION ALL
    SELECT (SELECT min(p.campaign) FROM publishing_post p
            WHERE p.agency_id = %(agency)s AND p.campaign > c.name)
    FROM campaign c WHERE c.name IS NOT NULL
), author AS (
    SELECT min(author_id) AS id FROM publishing_post WHERE agency_id = %(agency)s
  UNION ALL
    SELECT (SELECT min(p.author_id) FROM publishing_post p
            WHERE p.agency_id = %(agency)s AND p.author_id > a.id)
    FROM author a WHERE a.id IS NOT NULL
)
SELECT 1, id, network, handle FROM publishing_socialaccount WHERE agency_id = %(agency)s
UNION ALL
SELECT 2, u.id, u.name, u.email FROM accounts_user u JOIN author a ON a.id = u.id
UNION ALL
SELECT 3, NULL, name, NULL FROM campaign WHERE name IS NOT NULL
ORDER BY 1, 3, 4
"""


def post_filter_choices() -> PostFilterChoices:
    """Return what the post filters of the bound agency offer, read in one query."""
    agency_id = required_agency_id("the post filters' choices are an agency's")
    with connection.cursor() as cursor:
        cursor.execute(_FILTER_CHOICES_SQL, {"agency": agency_id})
        rows = cursor.fetchall()
    networks = dict(NETWORK_CHOICES)
    accounts = [
        (pk, f"{networks[network]} {handle}") for kind, pk, network, handle in rows if kind == 1
    ]
    # The name people see: the author's, or their email when they gave none.
    authors = sorted(
        ((pk, name or email) for kind, pk, name, email in rows if kind == 2),
        key=lambda author: author[1],
    )
    campaigns = [name for kind, _, name, _ in rows if kind == 3]
    return PostFilterChoices(accounts=accounts, authors=authors, campaigns=campaigns)


def media_list() -> QuerySet[MediaAsset]:
    """Return the bound agency's media library, newest first."""
    return MediaAsset.objects.select_related("uploaded_by")


def media_get(*, asset_id: int) -> MediaAsset | None:
    """Return one file of the bound agency's media library, or None."""
    return MediaAsset.objects.select_related("agency").filter(pk=asset_id).first()


def media_get_shared(*, agency: Agency, asset_id: int, token: str) -> MediaAsset | None:
    """Return the file of the bound agency that ``token`` opens, or None: a token that
    is forged or expired, names another agency or file, or a file that has changed
    since the link was made opens nothing."""
    shared = shared_file(token)
    if shared is None or (shared.agency_id, shared.asset_id) != (agency.pk, asset_id):
        return None
    return MediaAsset.objects.filter(pk=asset_id, sha256=shared.sha256).first()


def pause_list_active(*, agency: Agency, at: datetime | None = None) -> QuerySet[PublishingPause]:
    """Return the agency's pauses in force at ``at`` (now when None; a pause past its
    ``until`` counts until it is ended when None), newest first, with the accounts each
    holds (the pauses' page shows them, with who started each; every page's banner
    reads its own, ``pause_notices``)."""
    pauses = PublishingPause.objects.filter(agency=agency, ended_at__isnull=True)
    if at is not None:
        pauses = pauses.filter(Q(until__isnull=True) | Q(until__gt=at))
    return pauses.prefetch_related("accounts")


# What separates the parts of one text read from an array of them (an account's id,
# network and handle): the parts before the last never hold it, and a text is split only
# at their separators, so the last (a handle) may hold anything.
_APART = "\x1f"


class PauseNotice(NamedTuple):
    """A pause as every page's banner tells of it: its reason and the names of the
    accounts it holds (none: every account)."""

    reason: str
    accounts: tuple[str, ...]


# The agency's pauses not ended, newest first, with the network and handle of each
# account they name, as ``PublishingPause`` and ``SocialAccount`` order them.
_PAUSE_NOTICES_SQL = """
SELECT p.reason, ARRAY(
    SELECT a.network || %(apart)s || a.handle
    FROM publishing_pausedaccount AS pa
    JOIN publishing_socialaccount AS a ON a.id = pa.account_id
    WHERE pa.pause_id = p.id ORDER BY a.network, a.handle)
FROM publishing_publishingpause AS p
WHERE p.agency_id = %(agency)s AND p.ended_at IS NULL
ORDER BY p.started_at DESC
"""


def pause_notices(*, agency: Agency) -> list[PauseNotice]:
    """Return the agency's pauses in force (``pause_list_active`` at no moment) as every
    page's banner tells of them: read by a statement of the module's own, as the ORM
    took several times as long to make the query as to run it."""
    with connection.cursor() as cursor:
        cursor.execute(_PAUSE_NOTICES_SQL, {"agency": agency.pk, "apart": _APART})
        rows = cursor.fetchall()
    networks = dict(NETWORK_CHOICES)
    return [
        PauseNotice(
            reason,
            tuple(
                f"{networks[network]} {handle}"
                for network, handle in (each.split(_APART, 1) for each in accounts)
            ),
        )
        for reason, accounts in rows
    ]


@dataclass(frozen=True)
class PauseCover:
    """What the agency's active pauses hold: every account, or the ones named."""

    every_account: bool
    account_ids: frozenset[int]

    def covers(self, account_id: int) -> bool:
        """Return whether ``account_id``'s publishing is held."""
        return self.every_account or account_id in self.account_ids


def pause_cover(*, agency: Agency) -> PauseCover:
    """Return which of the agency's accounts its pauses in force hold now."""
    active = list(pause_list_active(agency=agency, at=timezone.now()).values_list("pk", flat=True))
    if not active:
        return PauseCover(every_account=False, account_ids=frozenset())
    named = PausedAccount.objects.filter(pause_id__in=active).values_list("pause_id", "account_id")
    naming = {pause_id for pause_id, _ in named}
    return PauseCover(
        every_account=any(pause_id not in naming for pause_id in active),
        account_ids=frozenset(account_id for _, account_id in named),
    )


def _scheduled_between(start: datetime, end: datetime, posts: QuerySet[Post]) -> QuerySet[Post]:
    """Return those of ``posts`` scheduled from ``start`` up to ``end``, earliest first."""
    return posts.filter(scheduled_at__gte=start, scheduled_at__lt=end).order_by(
        "scheduled_at", "pk"
    )


class ScheduledPost(NamedTuple):
    """A scheduled post as the calendar (its page, exports and API) gives it, with the
    accounts it goes to (id, network, handle), by id (a tuple: a month holds hundreds,
    and a frozen dataclass took nearly three times as long to make)."""

    id: int
    status: str
    scheduled_at: datetime | None
    text: str
    link: str
    campaign: str
    language: str
    author_email: str
    author_name: str
    accounts: tuple[tuple[int, str, str], ...]

    @property
    def status_label(self) -> str:
        return status_label(self.status, self.scheduled_at)

    @property
    def overdue(self) -> bool:
        return is_overdue(self.status, self.scheduled_at)


# The accounts of a post in ``calendar_schedule``'s rows, by id. Written as SQL, made
# once: as a subquery of the ORM's, making and compiling it took a third of the month's
# query, rows read included. The targets of the agency's own posts are the agency's (and
# the table's policy holds).
_ACCOUNT_IDS = RawSQL(
    "ARRAY(SELECT t.account_id FROM publishing_posttarget AS t"
    " WHERE t.post_id = publishing_post.id ORDER BY t.account_id)",
    (),
    output_field=ArrayField(BigIntegerField()),
)

# The agency's accounts as the calendar names them, by id, each one text: its id, network
# and handle apart. Read once a statement beside the rows, which name accounts by id only:
# looking each target's account up took more than the rest of a month's rows. Text
# arrays are read in C, where a JSON value each cost a Python call. Its parameters:
# ``_names_params``.
_ACCOUNT_NAMES = (
    "ARRAY(SELECT a.id::text || %s::text || a.network || %s::text || a.handle"
    " FROM publishing_socialaccount AS a WHERE a.agency_id = %s ORDER BY a.id)"
)


def _names_params() -> tuple[str, str, int]:
    return (_APART, _APART, required_agency_id("the calendar's accounts are an agency's"))


# A post's columns in ``calendar_schedule``'s rows, before its accounts' ids.
_CALENDAR_COLUMNS = (
    "id",
    "status",
    "scheduled_at",
    "text",
    "link",
    "campaign",
    "language",
    "author__email",
    "author__name",
)


def _calendar_rows(
    start: datetime,
    end: datetime,
    posts: QuerySet[Post] | None = None,
    **filters: Unpack[PostFilters],
) -> tuple[str, tuple[Any, ...]]:
    """Return the SQL of the rows ``calendar_schedule`` reads, earliest first, and its
    parameters."""
    listed = _scheduled_between(start, end, _posts_narrowed(posts, **filters))
    return listed.values_list(*_CALENDAR_COLUMNS, _ACCOUNT_IDS).query.sql_with_params()


def _scheduled_posts(rows: list[tuple[Any, ...]]) -> list[ScheduledPost]:
    """Return the posts of ``rows``: each a row of ``_calendar_rows`` followed by
    ``_ACCOUNT_NAMES`` (and anything after it)."""
    if not rows:
        return []
    # The post's columns, then its accounts' ids, then the names.
    width = len(_CALENDAR_COLUMNS)
    names = {
        # The handle last: whatever it holds, the first two separators are the id's and
        # the network's.
        int(account): (network, handle)
        for account, network, handle in (each.split(_APART, 2) for each in rows[0][width + 1])
    }
    posts = []
    for row in rows:
        pk, status, scheduled_at, text, link, campaign, language, email, name = row[:width]
        posts.append(
            ScheduledPost(
                pk,
                status,
                scheduled_at,
                text,
                link,
                campaign,
                language,
                email,
                # The name people see: the author's, or their email when they gave none.
                name or email,
                tuple((account, *names[account]) for account in row[width]),
            )
        )
    return posts


def calendar_schedule(
    *,
    start: datetime,
    end: datetime,
    posts: QuerySet[Post] | None = None,
    **filters: Unpack[PostFilters],
) -> list[ScheduledPost]:
    """Return the bound agency's posts (or ``posts``) scheduled from ``start`` up to
    ``end``, earliest first, narrowed by ``post_list``'s filters, as plain rows read in
    one query, each post's accounts with it: a month holds hundreds of posts and
    targets, and making models of them cost three times what the rest of the calendar's
    API did."""
    sql, params = _calendar_rows(start, end, posts, **filters)
    with connection.cursor() as cursor:
        # Built of the ORM's SQL of the rows and the module's own.
        cursor.execute(
            f"SELECT m.*, {_ACCOUNT_NAMES} FROM ({sql}) AS m"  # noqa: S608  # nosec B608
            " ORDER BY m.scheduled_at, m.id",
            (*_names_params(), *params),
        )
        return _scheduled_posts(cursor.fetchall())


# What tells apart two readings of ``calendar_schedule``'s rows (``m``) and of the names of
# the agency's accounts, as SQL: a digest of every row as read and of the names (NULL when
# there is no row), and how many of the rows are overdue (their status and time, at the
# time given). Its parameters: ``_names_params``, the overdue statuses, the time.
_CALENDAR_VERSION = (
    f"md5(string_agg(m::text, E'\\n') || ({_ACCOUNT_NAMES})::text) AS digest,"
    " count(*) FILTER (WHERE m.status = ANY(%s) AND m.scheduled_at <= %s) AS overdue"
)
_OVERDUE_STATUSES = [str(status) for status in OVERDUE_LABELS]


def _version(digest: str | None, overdue: int) -> str:
    return f"{digest}/{overdue}"


def calendar_version(
    *, start: datetime, end: datetime, now: datetime, **filters: Unpack[PostFilters]
) -> str:
    """Return the version of what ``calendar_schedule`` gives for these arguments, and of
    which of its posts are overdue at ``now``, read in one query without the rows: two
    readings of the same version give the same posts, each as overdue as the other."""
    sql, params = _calendar_rows(start, end, **filters)
    with connection.cursor() as cursor:
        # Built of the ORM's SQL of the rows and the module's own.
        cursor.execute(
            f"SELECT {_CALENDAR_VERSION} FROM ({sql}) AS m",  # noqa: S608  # nosec B608
            (*_names_params(), _OVERDUE_STATUSES, now, *params),
        )
        return _version(*cursor.fetchone())


def calendar_schedule_versioned(
    *, start: datetime, end: datetime, now: datetime, **filters: Unpack[PostFilters]
) -> tuple[list[ScheduledPost], str]:
    """Return ``calendar_schedule``'s posts with their ``calendar_version``, read in one
    query: the version is that of these very posts, whatever changes meanwhile."""
    sql, params = _calendar_rows(start, end, **filters)
    names = _names_params()
    with connection.cursor() as cursor:
        # Built of the ORM's SQL of the rows and the module's own. The names and the
        # version's columns come after the row's.
        cursor.execute(
            f"WITH m AS MATERIALIZED ({sql})"  # noqa: S608  # nosec B608
            f" SELECT m.*, {_ACCOUNT_NAMES}, v.digest, v.overdue FROM m"
            f" CROSS JOIN (SELECT {_CALENDAR_VERSION} FROM m) AS v"
            " ORDER BY m.scheduled_at, m.id",
            (*params, *names, *names, _OVERDUE_STATUSES, now),
        )
        rows = cursor.fetchall()
    # No row, no digest and nothing overdue: the version of an empty calendar.
    version = _version(*rows[0][-2:]) if rows else _version(None, 0)
    return _scheduled_posts(rows), version


def queue_slot_list(*, account_ids: Iterable[int] | None = None) -> QuerySet[QueueSlot]:
    """Return the bound agency's queue slots (of ``account_ids`` when given), by account,
    day and time."""
    slots = QueueSlot.objects.select_related("account")
    return slots if account_ids is None else slots.filter(account_id__in=list(account_ids))


def queue_times_taken(
    *, account_ids: Iterable[int], start: datetime, exclude_post_ids: Iterable[int]
) -> set[datetime]:
    """Return the times from ``start`` on at which another post of these accounts is
    scheduled (whatever has become of it since: its slot stays used)."""
    taken = (
        Post.objects.filter(
            pk__in=PostTarget.objects.filter(account_id__in=list(account_ids)).values("post"),
            scheduled_at__gte=start,
        )
        .exclude(pk__in=list(exclude_post_ids))
        .values_list("scheduled_at", flat=True)
    )
    return set(taken)


# How far ahead "Add to queue" looks for a free slot.
QUEUE_HORIZON = timedelta(weeks=8)


def queue_next_free_slot(
    *,
    accounts: Sequence[SocialAccount],
    zone: ZoneInfo,
    after: datetime,
    exclude_post_ids: Iterable[int],
) -> datetime | None:
    """Return the earliest queue time after ``after`` that every one of ``accounts`` has
    as a slot and at which none of them has another post scheduled; None when there is
    none within ``QUEUE_HORIZON``.

    Slots are wall-clock times in ``zone``: a slot the clocks skip that day is passed
    over, and one that happens twice is taken at its first moment.
    """
    if not accounts:
        return None
    ids = [account.pk for account in accounts]
    by_account: dict[int, set[tuple[int, time]]] = {pk: set() for pk in ids}
    for weekday, at, account_id in queue_slot_list(account_ids=ids).values_list(
        "weekday", "time", "account_id"
    ):
        by_account[account_id].add((weekday, at))
    common = set.intersection(*by_account.values())
    if not common:
        return None
    taken = queue_times_taken(account_ids=ids, start=after, exclude_post_ids=exclude_post_ids)
    first = timezone.localtime(after, zone).date()
    for offset in range(QUEUE_HORIZON.days + 1):
        day = first + timedelta(days=offset)
        for slot_time in sorted(t for weekday, t in common if weekday == day.weekday()):
            try:
                moment = local_to_utc(datetime.combine(day, slot_time), zone, fold=0)
            except LocalTimeError:
                continue  # The clocks skip this time today.
            if moment > after and moment not in taken:
                return moment
    return None
