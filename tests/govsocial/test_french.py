"""Every text the app shows has its French, and the compiled catalogue is the one the
translators wrote: a string left untranslated or fuzzy shows in English to a French
reader."""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES"
# What makemessages leaves out: tooling, data, and the code that shows no one a text.
NOT_SCANNED = (".venv", ".tools", ".data", ".git", "tests", "bench")


@dataclass
class Entry:
    """One message of the catalogue: its text, plural and translations, and its flags."""

    msgid: str = ""
    msgid_plural: str = ""
    msgstr: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    context: str = ""


def catalogue_entries(root: Path = ROOT) -> list[Entry]:
    """Return the messages of the French catalogue under ``root`` (not its header)."""
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

    catalogue = root / CATALOGUE.relative_to(ROOT) / "django.po"
    for line in catalogue.read_text(encoding="utf-8").splitlines():
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


def test_every_text_of_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SCANNED, "__pycache__"))
    ignored = [f"--ignore={name}" for name in NOT_SCANNED]
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemessages", "-l", "fr", *ignored],
        cwd=copy,
        env=os.environ,
        check=True,
        capture_output=True,
    )
    known = {entry.msgid for entry in catalogue_entries()}
    missing = [entry.msgid for entry in catalogue_entries(copy) if entry.msgid not in known]
    assert not missing, "run makemessages and translate:\n" + "\n".join(missing)


# The names the code translates with (``gettext as _`` and the rest of Django's).
TRANSLATING = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "pgettext_lazy"}


def test_no_text_is_translated_inside_an_f_string() -> None:
    """makemessages (xgettext) does not look inside f-strings: a text translated there
    never reaches the catalogue, and a French reader sees it in English."""
    hidden = []
    for path in sorted(ROOT.rglob("*.py")):
        if set(path.relative_to(ROOT).parts) & set(NOT_SCANNED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            hidden += [
                f"{path.relative_to(ROOT)}:{call.lineno}"
                for call in ast.walk(node)
                if isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id in TRANSLATING
            ]
    assert not hidden, "translate outside the f-string:\n" + "\n".join(hidden)
