"""Every text the app shows has its French, and the compiled catalogue is the one the
translators wrote: a string left untranslated or fuzzy shows in English to a French
reader."""

from __future__ import annotations

import ast
import gettext
from dataclasses import dataclass
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES"


@dataclass
class Entry:
    """One message of the catalogue: its text, plural and translations, and its flags."""

    msgid: str = ""
    msgid_plural: str = ""
    msgstr: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    context: str = ""


def catalogue_entries() -> list[Entry]:
    """Return the messages of the French catalogue (not its header)."""
    entries, current, field = [], Entry(), ""
    strings: dict[str, str] = {}

    def close() -> None:
        nonlocal current, strings
        if "msgid" in strings:
            current.msgid = strings.pop("msgid")
            current.msgid_plural = strings.pop("msgid_plural", "")
            current.context = strings.pop("msgctxt", "")
            current.msgstr = tuple(strings[key] for key in sorted(strings))
            entries.append(current)
        current, strings = Entry(), {}

    for line in (CATALOGUE / "django.po").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
        elif line.startswith("#,"):
            current.flags = tuple(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            strings[field] += ast.literal_eval(line)
        else:
            field, _space, text = line.partition(" ")
            strings[field] = ast.literal_eval(text)
    close()
    return [entry for entry in entries if entry.msgid]


def test_every_message_has_its_french_and_none_is_fuzzy() -> None:
    entries = catalogue_entries()
    assert len(entries) > 500
    untranslated = [e.msgid for e in entries if not all(e.msgstr) or "fuzzy" in e.flags]
    assert not untranslated, "\n".join(untranslated)


def test_the_compiled_catalogue_says_what_the_translators_wrote() -> None:
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        french = gettext.GNUTranslations(compiled)
    stale = []
    for entry in catalogue_entries():
        if entry.msgid_plural or entry.context:
            continue
        if french.gettext(entry.msgid) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert not stale, "compile the messages again:\n" + "\n".join(stale)
