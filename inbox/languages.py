"""The language of what citizens write, told offline among the languages the deployment
expects (``INBOX_LANGUAGES``), or none when the text is too short or unclear to tell."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from lingua import LanguageDetector

# Below this confidence (0 to 1) in the likeliest language, the text's language is
# left unknown rather than guessed.
CONFIDENCE = 0.6


def language_of(text: str) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or "" when it cannot tell."""
    if not any(character.isalpha() for character in text):
        return ""
    likeliest = _detector().compute_language_confidence_values(text)[0]
    if likeliest.value < CONFIDENCE:
        return ""
    return likeliest.language.iso_code_639_1.name.lower()


@cache
def _detector() -> LanguageDetector:
    """Return the detector for the configured languages (built once per process; each
    language's model is loaded when first needed)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
        for code in settings.INBOX_LANGUAGES
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()
