"""Every page the demo's admin can reach works and is accessible: signed in as
admin@riverton.example (password and authenticator code from the demo's credentials),
the test follows every link from the agency's overview, on the same site and by GET
only, and each page must answer 200 and pass axe-core's WCAG 2.1 A and AA checks on a
laptop and on a phone (``SIZES``).

The demo is the one `make run` serves (``launcher`` in conftest.py, started once with
test_demo_data.py). Links that would download a file or sign out are not followed,
and at most ``PER_PATTERN`` pages of one kind are opened (posts/12/ and posts/31/ are
one kind, so are two filters of the inbox), so the crawl takes a minute or two.
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.sync_api import Browser, Error, Page, expect

from tests.browser.conftest import SIZES, assert_accessible
from tests.factories import totp_code
from tests.launch.launcher_process import Launcher

ADMIN = "admin@riverton.example"
START = "/agencies/riverton/"
# Pages of one kind (``kind``: posts/12/ and posts/31/, two filters of the inbox)
# opened at most, the first ones the links lead to: the calendar is seen in its views
# of this week, not walked week after week.
PER_PATTERN = 3
# Pages of a list opened at most (?page=1 and ?page=2).
LAST_PAGE = 2
# What a link may name that is not a page to open: sign-out, files (packages, stored
# content, media, attachments, the calendar's CSV and JSON, the API's schema), and
# a notification, which opening marks read.
NOT_FOLLOWED = re.compile(
    r"^/accounts/logout/"
    r"|/records/packages/\d+/"
    r"|/records/content/"
    r"|/media/\d+/"
    r"|/inbox/\d+/files/"
    r"|/calendar/export/"
    r"|^/api/schema/"
    r"|/notifications/\d+/$"
)
# What the crawl must have opened, at least one of each.
MUST_REACH = {
    "a post's page": re.compile(r"^/agencies/riverton/posts/\d+/$"),
    "the network accounts page": re.compile(r"^/agencies/riverton/accounts/$"),
    "an inbox item's page": re.compile(r"^/agencies/riverton/inbox/\d+/$"),
    "a records request's page": re.compile(r"^/agencies/riverton/records/requests/\d+/$"),
    "a record's page": re.compile(r"^/agencies/riverton/records/\d+/$"),
}


@dataclass
class Crawl:
    """What a crawl opened and what was wrong with it."""

    opened: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    problems: dict[str, list[str]] = field(default_factory=dict)
    kinds: Counter[tuple[str, tuple[str, ...]]] = field(default_factory=Counter)


def normal(url: str) -> str:
    """Return ``url`` without its fragment, its query's keys in order."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def kind(url: str) -> tuple[str, tuple[str, ...]]:
    """Return what makes pages of one kind: the path, its parts with a digit as ``<n>``
    (a post's number, a message's name in the mailbox), and the query's keys."""
    parts = urlsplit(url)
    keys = tuple(sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return re.sub(r"/[^/]*\d[^/]*(?=/)", "/<n>", parts.path), keys


def worth_opening(url: str, site: str) -> bool:
    """Return whether a link to ``url`` is a page of the site the crawl opens."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != site or NOT_FOLLOWED.search(parts.path):
        return False
    page_number = dict(parse_qsl(parts.query)).get("page", "1")
    return not page_number.isdigit() or int(page_number) <= LAST_PAGE


def links(page: Page) -> list[str]:
    """Return the addresses the page's links lead to (not those that download)."""
    found: list[str] = page.eval_on_selector_all(
        "a[href]", "links => links.filter(a => !a.hasAttribute('download')).map(a => a.href)"
    )
    return found


def check(page: Page, crawl: Crawl, site: str, url: str) -> None:
    """Open ``url``; note what is wrong with it, at each of ``SIZES``."""
    wrong = crawl.problems.setdefault(url, [])
    try:
        response = page.goto(url)
    except Error as refused:  # a file, not a page: it belongs in NOT_FOLLOWED
        wrong.append(f"not a page: {refused.message.splitlines()[0]}")
        return
    crawl.opened.append(url)
    assert response is not None
    # Redirects are followed: a page may send on (to the agency, to confirm the
    # password again), not to an error, elsewhere, or to sign in again.
    if response.status != 200:
        wrong.append(f"answered {response.status}")
        return
    if not page.url.startswith(f"{site}/") or "/accounts/login/" in page.url:
        wrong.append(f"sent to {page.url}")
        return
    if normal(page.url) in crawl.checked:  # a redirect to a page checked already
        return
    crawl.checked.add(normal(page.url))
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        try:
            assert_accessible(page)
        except AssertionError as failed:
            wrong.append(f"at {width}x{height}: {failed}")


def crawl_from(page: Page, site: str, start: str) -> Crawl:
    """Open every page reachable from ``start`` by links (``worth_opening``, at most
    ``PER_PATTERN`` of a kind), once each, breadth first."""
    crawl = Crawl()
    first = normal(site + start)
    waiting, seen = deque([first]), {first}
    crawl.kinds[kind(first)] += 1
    while waiting:
        url = waiting.popleft()
        check(page, crawl, site, url)
        seen.add(normal(page.url))  # where a redirect led is opened already
        for link in map(normal, links(page)):
            if link in seen or not worth_opening(link, site):
                continue
            seen.add(link)
            if crawl.kinds[kind(link)] >= PER_PATTERN:
                continue
            crawl.kinds[kind(link)] += 1
            waiting.append(link)
    return crawl


def sign_in(page: Page, site: str, email: str, password: str, secret: str) -> None:
    """Sign in as the demo does: password, then the authenticator's code."""
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_have_count(0)


def test_every_page_the_demo_admin_reaches_answers_and_passes_axe_at_both_sizes(
    launcher: Launcher, browser: Browser
) -> None:
    site = f"http://127.0.0.1:{launcher.port}"
    credentials = json.loads((launcher.data / "demo-credentials.json").read_text())[ADMIN]
    page = browser.new_page()
    sign_in(page, site, ADMIN, credentials["password"], credentials["totp_secret"])

    crawl = crawl_from(page, site, START)
    page.close()

    paths = [urlsplit(url).path for url in crawl.opened]
    missed = [name for name, path in MUST_REACH.items() if not any(map(path.match, paths))]
    assert missed == [], f"never reached: {missed}; opened: {paths}"
    failing = {url: wrong for url, wrong in crawl.problems.items() if wrong}
    assert failing == {}, "\n\n".join(f"{url}: " + "\n".join(w) for url, w in failing.items())
