"""The emulator's own rules: written apart from the app's, and as the networks count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from emulator.rules.bluesky import grapheme_count
from emulator.rules.graph import hashtag_count
from emulator.rules.mastodon import status_length
from emulator.rules.media import LIMITS, sniffed_type
from emulator.rules.x import weighted_length
from tests.twitter_text_cases import CONFORMANCE, MORE

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = ROOT / "emulator"
# govsocial's own packages: every top-level package of the project but the emulator.
APP_PACKAGES = frozenset(
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in {"emulator", "tests"}
)


def imports_of_the_app(source: str) -> list[str]:
    """Return the modules of govsocial's own packages that ``source`` imports, by an
    import statement or by name (``importlib.import_module``, ``__import__``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Call) and node.args:
            called = node.func.attr if isinstance(node.func, ast.Attribute) else None
            called = node.func.id if isinstance(node.func, ast.Name) else called
            first = node.args[0]
            if called in {"import_module", "__import__"} and isinstance(first, ast.Constant):
                found.append(str(first.value))
    return [name for name in found if name.split(".")[0] in APP_PACKAGES]


def test_the_emulator_imports_nothing_of_the_apps_code() -> None:
    sources = sorted(EMULATOR.rglob("*.py"))
    offending = {
        str(path.relative_to(ROOT)): imports
        for path in sources
        if (imports := imports_of_the_app(path.read_text(encoding="utf-8")))
    }

    assert len(sources) > 20 and {"publishing", "accounts", "govsocial"} <= APP_PACKAGES
    assert offending == {}


def test_the_import_check_sees_every_way_of_importing_the_app() -> None:
    source = (
        "import json\n"
        "import publishing.networks.limits\n"
        "from publishing.networks.limits import MEDIA_RULES\n"
        "from .state import World\n"
        "importlib.import_module('approvals.services')\n"
        "__import__('inbox')\n"
    )

    assert imports_of_the_app(source) == [
        "publishing.networks.limits",
        "publishing.networks.limits",
        "approvals.services",
        "inbox",
    ]


@pytest.mark.parametrize(("text", "weight"), CONFORMANCE)
def test_x_weighs_twitter_texts_conformance_cases_as_twitter_text_does(
    text: str, weight: int
) -> None:
    assert weighted_length(text) == weight


@pytest.mark.parametrize(("text", "weight"), MORE)
def test_x_weighs_marks_odd_domains_and_emoji_sequences_as_twitter_text_does(
    text: str, weight: int
) -> None:
    assert weighted_length(text) == weight


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("x" * 476 + " https://riverton.example/" + "a" * 300, 500),
        ("Read https://riverton.ca/roads.", 29),  # the final full stop is not the link's
        ("See (https://en.wikipedia.org/wiki/Riverton_(Wyoming))", 29),  # its own ")" only
        ("Thanks @amara@social.example!", 14),  # @user@domain counts as @user
        ("é" * 10 + "\U0001f468\u200d\U0001f469\u200d\U0001f467", 11),
    ],
)
def test_mastodon_counts_links_as_23_and_remote_accounts_by_their_user(
    text: str, length: int
) -> None:
    assert status_length(text) == length


def test_bluesky_counts_what_a_reader_sees_as_one_character() -> None:
    assert grapheme_count("e\u0301" * 3 + "\U0001f1e8\U0001f1e6" + "\U0001f44d\U0001f3fd") == 5


def test_instagram_counts_hashtags_but_not_a_sign_inside_a_word() -> None:
    assert hashtag_count("#Riverton #roads2025 closed#not ##twice #café") == 3


def test_media_limits_and_types_follow_each_network() -> None:
    assert LIMITS["x"].size_limit("image/png") == 5 * 1024 * 1024
    assert LIMITS["x"].size_limit("video/mp4") == 512 * 1024 * 1024
    assert LIMITS["bluesky"].size_limit("video/mp4") == 0
    assert LIMITS["instagram"].mime_types == {"image/jpeg"}
    assert sniffed_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniffed_type(b"%PDF-1.7") == "application/octet-stream"
