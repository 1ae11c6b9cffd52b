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
- Accessibility: files without alt text, or whose alt text is a file name, a word such
  as "image" or the post's text again; hashtags all in small (or capital) letters;
  more than three emoji in a row; "click here".
- Links: link shorteners, and domains other than those the agency allows (when it
  lists any).
- Both official languages: a post without its translation.
- Blackout periods: a post meant to go out in one (or, without a time, now), on an
  account it covers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import BlackoutPeriod, ContentRule, ContentRules, RuleSeverity
from approvals.selectors import blackouts_at
from govsocial.errors import GovsocialError
from publishing.content import post_content
from publishing.models import Post

# A word: letters and digits, with apostrophes inside ("don't", "l'eau"), once folded.
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
HASHTAG = re.compile(r"(?<![\w#])#([^\W_][\w]*)")
# Not a fediverse handle (@name@server.example), which names a public account.
EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
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
    made one ("Urgence" says "urgence", "AIDÉ" says "aide", a typographic apostrophe
    a straight one)."""
    if text.isascii():
        # Nothing to decompose.
        return text.lower()
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


def _parts(content: Mapping[str, Any], facts: PostFacts) -> Iterator[tuple[str, str, bool]]:
    """Yield each text of the post's content with where it is, as people read it, and
    whether it is a file's alt text (read aloud, never published as a post's text)."""
    yield _("the text"), content["text"], False
    for target in content["targets"]:
        name = facts.account_names.get(target["account"], str(target["account"]))
        if target["text"] != content["text"]:
            yield _("the text for %(account)s") % {"account": name}, target["text"], False
        if target["first_comment"]:
            where = _("the first comment on %(account)s") % {"account": name}
            yield where, target["first_comment"], False
    for position, item in enumerate(content["media"], start=1):
        where = _("the alt text of file %(position)s") % {"position": position}
        yield where, item["alt_text"], True


@dataclass(frozen=True)
class PostFacts:
    """What the rules read of a post besides its content: its accounts' names (by id),
    its files' names (in order), whether it has its translation, and the blackout
    periods of its time."""

    account_names: Mapping[int, str]
    file_names: Sequence[str] = ()
    translated: bool = False
    # The blackout periods the time it is meant to go out at falls in.
    blackouts: Sequence[BlackoutPeriod] = ()


# Alt text that says nothing of the picture, folded.
EMPTY_ALT = frozenset(
    {"image", "photo", "picture", "img", "graphic", "illustration", "logo", "une image",
     "une photo", "image of", "photo of", "picture of", "screenshot", "capture d'ecran"}
)  # fmt: skip
FILE_NAME = re.compile(r"^[\w\-. ]+\.(?:jpe?g|png|gif|webp|heic|tiff?|bmp|mp4|mov|m4v)$", re.I)
# Emoji, and what joins them into one (a zero-width joiner, a variation selector).
EMOJI = "\U0001f300-\U0001faff\u2600-\u27bf\U0001f1e6-\U0001f1ff"
EMOJI_RUN = re.compile(f"(?:[{EMOJI}][\ufe0f\u200d\U0001f3fb-\U0001f3ff]*){{4,}}")
# From this length on, a hashtag all in small (or capital) letters likely runs several
# words together.
RUN_TOGETHER_LENGTH = 7
VAGUE_LINK_PHRASES = ("click here", "click this link", "cliquez ici", "cliquez sur ce lien")
URL = re.compile(r"https?://[^\s<>\"']+", re.I)
SHORTENERS = frozenset(
    {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "buff.ly", "is.gd", "rebrand.ly",
     "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "lnkd.in", "s.id", "t.ly"}
)  # fmt: skip


def accessibility_found(text: str) -> list[str]:
    """Return what makes ``text`` hard to read with a screen reader, said as people
    read it: hashtags all in small letters, runs of emoji, links that do not say where
    they go."""
    found = [
        _(
            "Write #%(tag)s with a capital for each word (such as #RoadSafety): screen "
            "readers then read its words."
        )
        % {"tag": tag}
        for tag in HASHTAG.findall(text)
        if len(tag) >= RUN_TOGETHER_LENGTH and tag.isalpha() and (tag.islower() or tag.isupper())
    ]
    if EMOJI_RUN.search(text):
        found.append(_("More than three emoji in a row: screen readers read out every one."))
    found += [
        _("Say where the link goes rather than “%(phrase)s”.") % {"phrase": phrase}
        for phrase in terms_found(text, VAGUE_LINK_PHRASES)
    ]
    return found


def alt_text_found(alt_text: str, *, file_name: str, post_text: str) -> list[str]:
    """Return why ``alt_text`` does not describe its file: none, a file name, a word
    such as "image", or the post's text again."""
    alt = " ".join(alt_text.split())
    if not alt:
        return [_("It has no alt text: describe the picture for people who cannot see it.")]
    if (
        folded(alt) in EMPTY_ALT
        or FILE_NAME.match(alt)
        or folded(alt) == folded(file_name)
        or folded(alt) == folded(" ".join(post_text.split()))
    ):
        return [_("Its alt text does not describe the picture: say what it shows.")]
    return []


def links_found(text: str, *, allowed_domains: Sequence[str]) -> list[str]:
    """Return what is wrong with the addresses in ``text``: a link shortener, or a
    domain the agency does not allow (when it lists any)."""
    found = []
    for url in URL.findall(text):
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
        allowed = [d.lower().removeprefix("www.") for d in allowed_domains]
        if host in SHORTENERS:
            found.append(
                _(
                    "%(domain)s is a link shortener: give the full address, so people see "
                    "where it goes."
                )
                % {"domain": host}
            )
        elif allowed and not any(host == d or host.endswith("." + d) for d in allowed):
            found.append(
                _("%(domain)s is not among the domains the agency links to.") % {"domain": host}
            )
    return found


def content_findings(
    content: Mapping[str, Any], rules: ContentRules, facts: PostFacts
) -> list[Finding]:
    """Return what the agency's ``rules`` find in a post's ``content``, blocking ones
    first."""
    findings: list[Finding] = []

    def found(rule: str, severity: str, where: str, messages: Iterable[str]) -> None:
        if severity != RuleSeverity.OFF:
            findings.extend(Finding(rule, severity, where, message) for message in messages)

    for where, text, is_alt_text in _parts(content, facts):
        if not text:
            continue
        for severity, terms in (
            (RuleSeverity.BLOCK, rules.blocked_terms),
            (RuleSeverity.WARN, rules.warned_terms),
        ):
            found(
                ContentRule.TERMS,
                severity,
                where,
                (
                    _("“%(term)s” is on the agency's list of terms not to use.") % {"term": term}
                    for term in terms_found(text, terms)
                ),
            )
        found(
            ContentRule.SENSITIVE,
            rules.sensitive,
            where,
            (
                _("It holds %(what)s: personal or internal information.") % {"what": what}
                for what in sensitive_found(
                    text, published=rules.published_contacts, internal_hosts=rules.internal_hosts
                )
            ),
        )
        if not is_alt_text:
            found(ContentRule.ACCESSIBILITY, rules.accessibility, where, accessibility_found(text))
            found(
                ContentRule.LINKS,
                rules.links,
                where,
                links_found(text, allowed_domains=rules.allowed_domains),
            )
    if content["link"]:
        found(
            ContentRule.LINKS,
            rules.links,
            _("the link"),
            links_found(content["link"], allowed_domains=rules.allowed_domains),
        )
    for position, item in enumerate(content["media"], start=1):
        name = facts.file_names[position - 1] if position <= len(facts.file_names) else ""
        found(
            ContentRule.ACCESSIBILITY,
            rules.accessibility,
            _("file %(position)s") % {"position": position},
            alt_text_found(item["alt_text"], file_name=name, post_text=content["text"]),
        )
    for period in facts.blackouts:
        if not period.account_ids or set(period.account_ids) & set(facts.account_names):
            found(
                ContentRule.BLACKOUT,
                period.severity,
                _("its time"),
                [
                    _("It would go out during the blackout period “%(name)s”.")
                    % {"name": period.name}
                ],
            )
    if not facts.translated:
        found(
            ContentRule.BILINGUAL,
            rules.bilingual,
            _("the post"),
            [_("The agency publishes in both official languages: add its translation.")],
        )
    return sorted(findings, key=lambda finding: not finding.blocks)


def post_findings(post: Post, rules: ContentRules, *, at: datetime | None = None) -> list[Finding]:
    """Return what ``rules`` find in ``post`` as it is (fetched with its targets, their
    accounts, and its files), meant to go out at ``at`` (else at its time, else now)."""
    facts = PostFacts(
        account_names={target.account_id: str(target.account) for target in post.targets.all()},
        file_names=[
            attached.asset.original_name
            for attached in sorted(post.media.all(), key=lambda attached: attached.position)
        ],
        translated=post.translation_id is not None,
        # Not yet given a time, it would go out now.
        blackouts=blackouts_at(at=at or post.scheduled_at or timezone.now()),
    )
    return content_findings(post_content(post), rules, facts)


def reply_findings(
    text: str, rules: ContentRules, *, account_id: int, account: str
) -> list[Finding]:
    """Return what ``rules`` find in a reply's ``text`` on the account ``account_id``
    (named ``account``). A reply answers in the citizen's language, and blackout
    periods hold posts, not answers: neither rule reads it."""
    content = {"text": text, "targets": [], "media": [], "link": ""}
    facts = PostFacts(account_names={account_id: account}, translated=True)
    return content_findings(content, rules, facts)


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


def require_allowed(
    findings: Sequence[Finding], *, acknowledged: bool, of_reply: bool = False
) -> None:
    """Refuse a post (a reply, ``of_reply``) that ``findings`` block, or whose warnings
    are not ``acknowledged`` (field ``acknowledge_warnings``)."""
    blocking = [f for f in findings if f.blocks]
    if blocking:
        refused = (
            _("The agency's content rules do not allow this reply: %(findings)s")
            if of_reply
            else _("The agency's content rules do not allow this post: %(findings)s")
        )
        raise ContentRefused(
            refused % {"findings": " ".join(f"{f.where}: {f.message}" for f in blocking)},
            blocking,
            field="text" if of_reply else None,
        )
    if findings and not acknowledged:
        raise ContentRefused(
            _("Read the content rules' warnings and acknowledge them: %(findings)s")
            % {"findings": " ".join(f"{f.where}: {f.message}" for f in findings)},
            findings,
            field="acknowledge_warnings",
        )
