"""Scheduling many posts at once from a CSV file: every row checked first, every
problem named by row and column, then all of the posts written and scheduled, or none.

Row numbers count the header as row 1, as spreadsheets number them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import archive
from accounts.models import Agency
from accounts.services.principals import Principal
from govsocial.errors import GovsocialError
from govsocial.timezones import local_to_utc
from publishing.content import composer_checks
from publishing.models import Post, SocialAccount
from publishing.schedule_export import account_label, cell_read
from publishing.selectors import account_publishable_by
from publishing.services.posts import (
    clean_campaign,
    clean_language,
    clean_link,
    post_create,
    require_composer,
)
from publishing.services.scheduling import PAST_TOLERANCE, PostProblems, post_schedule

# The columns an import reads, the first three required.
IMPORT_COLUMNS = ("accounts", "text", "scheduled_at", "link", "campaign", "language")
REQUIRED_COLUMNS = IMPORT_COLUMNS[:3]
MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """One problem of an import file: where (row, column) and what to fix."""

    row: int
    column: str
    message: str


class ScheduleFileRefused(GovsocialError):
    """A schedule file that cannot be imported; ``errors`` holds every problem."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(
            ngettext(
                "Nothing was imported: the file has %(count)d problem to fix first.",
                "Nothing was imported: the file has %(count)d problems to fix first.",
                len(errors),
            )
            % {"count": len(errors)},
            field="file",
        )
        self.errors = list(errors)

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Return the problems as the API gives them."""
        return [asdict(error) for error in self.errors]


@dataclass(frozen=True)
class ScheduleRow:
    """One valid row of an import: the post to write and when it goes out."""

    row: int
    accounts: tuple[SocialAccount, ...]
    text: str
    at: datetime
    link: str = ""
    campaign: str = ""
    language: str = "en"


class _AccountFinder:
    """Find the agency's accounts by id, handle (with or without @) or network:handle."""

    def __init__(self, accounts: Sequence[SocialAccount]) -> None:
        self.accounts = list(accounts)

    @staticmethod
    def _bare(handle: str) -> str:
        return handle.strip().lstrip("@").lower()

    def find(self, name: str) -> tuple[SocialAccount | None, str]:
        """Return the account ``name`` names, or None and why not."""
        if name.isdigit():
            found = [a for a in self.accounts if a.pk == int(name)]
        else:
            network, _colon, handle = name.rpartition(":")
            found = [
                a
                for a in self.accounts
                if self._bare(a.handle) == self._bare(handle)
                and (not network or a.network == network.strip().lower())
            ]
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("No account of this agency is called “%(name)s”.") % {"name": name}
        return None, _(
            "More than one account is called “%(name)s”: write it as network:handle, such "
            "as %(example)s."
        ) % {"name": name, "example": account_label(found[0])}


def _read_time(value: str, zone: ZoneInfo) -> datetime:
    """Return the moment a cell names: ISO 8601 with an offset, or a local time in
    ``zone``."""
    if not value:
        raise GovsocialError(_("Enter when to publish, such as 2030-03-31 09:00."))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise GovsocialError(
            _(
                "“%(value)s” is not a date and time. Write it as 2030-03-31 09:00 (in "
                "%(zone)s) or with its UTC offset, such as 2030-03-31T09:00-04:00."
            )
            % {"value": value, "zone": zone.key}
        ) from error
    if moment.tzinfo is None:
        moment = local_to_utc(moment, zone)
    if moment < timezone.now() - PAST_TOLERANCE:
        raise GovsocialError(_("That time has passed. Choose a time to come."))
    return moment


def _decode(data: bytes) -> str:
    try:
        # Spreadsheets often start their UTF-8 files with a byte-order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScheduleFileRefused(
            [RowError(0, "", _("Save the file as CSV in UTF-8, then upload it again."))]
        ) from error


def _header_errors(header: Sequence[str]) -> list[RowError]:
    errors = [
        RowError(1, column, _("The file has no “%(column)s” column.") % {"column": column})
        for column in REQUIRED_COLUMNS
        if column not in header
    ]
    errors += [
        RowError(
            1,
            column,
            _("“%(column)s” is not a column an import reads; they are: %(columns)s.")
            % {"column": column, "columns": ", ".join(IMPORT_COLUMNS)},
        )
        for column in header
        if column not in IMPORT_COLUMNS
    ]
    return errors


def schedule_file_read(
    *, data: bytes, accounts: Sequence[SocialAccount], zone: ZoneInfo, actor: Principal
) -> list[ScheduleRow]:
    """Return the rows of an import file, every one checked as scheduling would check
    it (accounts, time, link, and each network's rules for the text); raise
    ``ScheduleFileRefused`` with every problem of every row when there is any."""
    if len(data) > MAX_BYTES:
        raise ScheduleFileRefused(
            [RowError(0, "", _("The file is larger than 2 MB: split it into smaller files."))]
        )
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if not any(header):
        raise ScheduleFileRefused([RowError(1, "", _("The file is empty."))])
    errors = _header_errors(header)
    if errors:
        raise ScheduleFileRefused(errors)
    finder = _AccountFinder(accounts)
    rows: list[ScheduleRow] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(
                RowError(number, "", _("A file has at most %(max)d rows.") % {"max": MAX_ROWS})
            )
            break
        values = {
            name: cell_read(cells[n]) if n < len(cells) else "" for n, name in enumerate(header)
        }
        row, row_errors = _read_row(number, values, finder, zone, actor)
        errors += row_errors
        if row is not None:
            rows.append(row)
    if errors:
        raise ScheduleFileRefused(errors)
    if not rows:
        raise ScheduleFileRefused([RowError(2, "", _("The file has no post to schedule."))])
    return rows


def _read_row(
    number: int,
    values: dict[str, str],
    finder: _AccountFinder,
    zone: ZoneInfo,
    actor: Principal,
) -> tuple[ScheduleRow | None, list[RowError]]:
    """Return one row read and checked, or None and its problems."""
    errors: list[RowError] = []

    def check(column: str, clean: Any, value: str) -> Any:
        try:
            return clean(value)
        except GovsocialError as error:
            errors.append(RowError(number, column, error.message))
            return None

    accounts: list[SocialAccount] = []
    names = [name.strip() for name in values["accounts"].split(";") if name.strip()]
    if not names:
        errors.append(RowError(number, "accounts", _("Name at least one account.")))
    for name in names:
        account, why = finder.find(name)
        if account is None:
            errors.append(RowError(number, "accounts", why))
        elif not account_publishable_by(account=account, actor=actor):
            message = _("You may not publish to %(account)s; ask an agency admin.")
            errors.append(RowError(number, "accounts", message % {"account": account}))
        elif account not in accounts:
            accounts.append(account)
    at = check(
        "scheduled_at", lambda value: _read_time(value, zone), values["scheduled_at"].strip()
    )
    link = check("link", clean_link, values.get("link", ""))
    campaign = check("campaign", clean_campaign, values.get("campaign", ""))
    language = check("language", clean_language, values.get("language", "").strip() or "en")
    text = values["text"]
    if accounts:
        # A link already refused is left out, so that the text is still checked.
        checks = composer_checks(
            accounts=accounts, text_of={a.pk: text for a in accounts}, link=link or "", media=[]
        )
        for problem in (p for c in checks for p in c.problems):
            column = problem.field if problem.field in IMPORT_COLUMNS else "text"
            errors.append(RowError(number, column, f"{problem.account}: {problem.message}"))
    if errors:
        return None, errors
    row = ScheduleRow(number, tuple(accounts), text, at, link, campaign, language)
    return row, []


def _refusal(row: ScheduleRow, error: GovsocialError) -> ScheduleFileRefused:
    """Return the import's refusal for a row the services refused after all (something
    changed since the file was checked)."""
    if isinstance(error, PostProblems):
        errors = [
            RowError(row.row, "text", f"{p.account}: {p.message}") for p in error.post_problems
        ]
    else:
        column = {"at": "scheduled_at"}.get(error.field or "", error.field or "")
        errors = [RowError(row.row, column, error.message)]
    return ScheduleFileRefused(errors)


def posts_import(*, agency: Agency, actor: Principal, rows: Sequence[ScheduleRow]) -> list[Post]:
    """Write and schedule one post per row (rows checked by ``schedule_file_read``), in
    one transaction: when any row is refused nothing is kept, and ``ScheduleFileRefused``
    names the row."""
    require_composer(agency=agency, actor=actor)
    posts: list[Post] = []
    with transaction.atomic():
        for row in rows:
            try:
                post = post_create(
                    agency=agency,
                    actor=actor,
                    text=row.text,
                    link=row.link,
                    language=row.language,
                    campaign=row.campaign,
                    account_ids=[account.pk for account in row.accounts],
                )
                posts.append(post_schedule(post=post, actor=actor, at=row.at))
            except GovsocialError as error:
                raise _refusal(row, error) from error
        archive.record(
            agency=agency,
            actor=actor,
            verb="schedule.imported",
            obj=None,
            data={"rows": len(rows), "posts": [post.pk for post in posts]},
        )
    return posts
