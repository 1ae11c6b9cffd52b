"""Content rules: what an agency never posts, or posts only knowingly, checked on a post's
content (``publishing.content.post_content``: its text, each account's text and first
comment, its files' alt text) when it is submitted and again when it is approved.

Each finding is a ``Finding``: the rule, whether it blocks or warns, where it was found
and what. A blocking finding refuses; a warning needs the author's acknowledgement,
recorded with the revision it was checked on.

- Prohibited terms: whole words and phrases, matched across case and accents (so that
  "securite" finds "Sécurité"), in English and French alike; a hashtag is read as the
  words it runs together as well (``#DontJerkAndDrive`` holds "jerk").
- Sensitive information: email addresses and phone numbers other than those the agency
  publishes, payment card numbers and social insurance numbers (their check digit
  right), and the internal host names the agency lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from approvals.models import ContentRule, ContentRules, RuleSeverity
from govsocial.errors import GovsocialError
from publishing.content import post_content
from publishing.models import Post

# A word: letters and digits, with apostrophes inside ("don't", "l'eau"), once folded.
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
HASHTAG = re.compile(r"(?<![\w#])#([^\W_][\w]*)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# North American numbers: +1 613 555 0134, (613) 555-0134, 613.555.0134.
PHONE = re.compile(r"(?<![\d\w])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\d\w])")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
SIN = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{3}(?!\d)")


@dataclass(frozen=True)
class Finding:
    """One thing a rule found in a post: ``rule`` (a ``ContentRule``),
    ``severity`` (block or warn), ``where`` (the part of the post, as people read it)
    and ``message``."""

    rule: str
    severity: str
    where: str
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity == RuleSeverity.BLOCK

    def as_record(self) -> dict[str, str]:
        """Return the finding as its archive event and round keep it."""
        return asdict(self)


def folded(text: str) -> str:
    """Return ``text`` as terms are matched: case and accents left out, apostrophes
    made one."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Return the words of ``text``, folded."""
    return WORD.findall(folded(text))


def camel_words(tag: str) -> str:
    """Return a hashtag's words apart: a break before a capital that follows a small
    letter or a digit, before the last capital of a run followed by a small letter
    ("NYCMarathon"), and between letters and digits ("Covid19"); "_" breaks too."""
    out = []
    for i, char in enumerate(tag):
        before = tag[i - 1] if i else ""
        after = tag[i + 1] if i + 1 < len(tag) else ""
        if before and (
            (char.isupper() and (before.islower() or before.isdigit()))
            or (char.isupper() and before.isupper() and after.islower())
            or (char.isdigit() != before.isdigit() and before.isalnum())
        ):
            out.append(" ")
        out.append(" " if char == "_" else char)
    return "".join(out)


def hashtag_words(text: str) -> Iterator[list[str]]:
    """Yield the words each hashtag of ``text`` runs together, folded."""
    for tag in HASHTAG.findall(text):
        yield words(camel_words(tag))


def _holds(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    size = len(needle)
    return size > 0 and any(
        list(haystack[i : i + size]) == list(needle) for i in range(len(haystack) - size + 1)
    )


def terms_found(text: str, terms: Iterable[str]) -> list[str]:
    """Return those of ``terms`` that ``text`` holds as whole words or phrases, in its
    words or in those its hashtags run together."""
    sequences = [words(text), *hashtag_words(text)]
    return [term for term in terms if any(_holds(seq, words(term)) for seq in sequences)]


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def sensitive_found(
    text: str, *, published: Iterable[str] = (), internal_hosts: Iterable[str] = ()
) -> list[str]:
    """Return what ``text`` holds that should not be posted, each said as people read
    it: card and social insurance numbers (their check digit right), email addresses
    and phone numbers not among ``published``, and ``internal_hosts``."""
    allowed_emails = {p.strip().casefold() for p in published if "@" in p}
    allowed_phones = {_digits(p)[-10:] for p in published if "@" not in p and _digits(p)}
    found: list[str] = []
    rest = text
    for pattern, lengths, what in (
        (CARD, range(13, 20), _("what looks like a payment card number")),
        (SIN, (9,), _("what looks like a social insurance number")),
    ):
        for match in pattern.finditer(rest):
            digits = _digits(match.group())
            if len(digits) in lengths and _luhn(digits):
                found.append(what)
                # Read once: its digits are no phone number as well.
                rest = rest[: match.start()] + " " * len(match.group()) + rest[match.end() :]
    for email in EMAIL.findall(rest):
        if email.casefold() not in allowed_emails:
            found.append(_("the email address %(value)s") % {"value": email})
    for phone in PHONE.findall(rest):
        if _digits(phone)[-10:] not in allowed_phones:
            found.append(_("the phone number %(value)s") % {"value": phone.strip()})
    lowered = folded(rest)
    for host in internal_hosts:
        host = host.strip()
        if host and re.search(rf"(?<![\w.-]){re.escape(folded(host))}(?![\w-])", lowered):
            found.append(_("the internal address %(value)s") % {"value": host})
    return found


def _parts(
    content: Mapping[str, Any], account_names: Mapping[int, str]
) -> Iterator[tuple[str, str]]:
    """Yield each text of the post's content with where it is, as people read it."""
    yield _("the text"), content["text"]
    for target in content["targets"]:
        name = account_names.get(target["account"], str(target["account"]))
        if target["text"] != content["text"]:
            yield _("the text for %(account)s") % {"account": name}, target["text"]
        if target["first_comment"]:
            yield _("the first comment on %(account)s") % {"account": name}, target["first_comment"]
    for position, item in enumerate(content["media"], start=1):
        yield _("the alt text of file %(position)s") % {"position": position}, item["alt_text"]


def content_findings(
    content: Mapping[str, Any], rules: ContentRules, account_names: Mapping[int, str]
) -> list[Finding]:
    """Return what the agency's ``rules`` find in a post's ``content``, blocking ones
    first."""
    findings: list[Finding] = []
    for where, text in _parts(content, account_names):
        if not text:
            continue
        for severity, terms in (
            (RuleSeverity.BLOCK, rules.blocked_terms),
            (RuleSeverity.WARN, rules.warned_terms),
        ):
            findings += [
                Finding(
                    ContentRule.TERMS,
                    severity,
                    where,
                    _("“%(term)s” is on the agency's list of terms not to use.") % {"term": term},
                )
                for term in terms_found(text, terms)
            ]
        if rules.sensitive != RuleSeverity.OFF:
            findings += [
                Finding(
                    ContentRule.SENSITIVE,
                    rules.sensitive,
                    where,
                    _("It holds %(what)s: personal or internal information.") % {"what": what},
                )
                for what in sensitive_found(
                    text, published=rules.published_contacts, internal_hosts=rules.internal_hosts
                )
            ]
    return sorted(findings, key=lambda finding: not finding.blocks)


def post_findings(post: Post, rules: ContentRules) -> list[Finding]:
    """Return what ``rules`` find in ``post`` as it is (fetched with its targets, their
    accounts, and its files)."""
    names = {target.account_id: str(target.account) for target in post.targets.all()}
    return content_findings(post_content(post), rules, names)


class ContentRefused(GovsocialError):
    """A post the content rules block, or whose warnings were not acknowledged;
    ``problems`` holds each finding."""

    def __init__(self, message: str, findings: Sequence[Finding], *, field: str | None = None):
        super().__init__(message, field=field)
        self.findings = list(findings)

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Return the findings as the API gives them."""
        return [
            {"message": f.message, "rule": f.rule, "severity": f.severity, "where": f.where}
            for f in self.findings
        ]


def require_allowed(findings: Sequence[Finding], *, acknowledged: bool) -> None:
    """Refuse a post that ``findings`` block, or whose warnings are not ``acknowledged``
    (field ``acknowledge_warnings``)."""
    blocking = [f for f in findings if f.blocks]
    if blocking:
        raise ContentRefused(
            _("The agency's content rules do not allow this post: %(findings)s")
            % {"findings": " ".join(f"{f.where}: {f.message}" for f in blocking)},
            blocking,
        )
    if findings and not acknowledged:
        raise ContentRefused(
            _("Read the content rules' warnings and acknowledge them: %(findings)s")
            % {"findings": " ".join(f"{f.where}: {f.message}" for f in findings)},
            findings,
            field="acknowledge_warnings",
        )
