"""The language of what citizens write, told offline among the languages the deployment
expects (``INBOX_LANGUAGES``), or none when the text is too short or unclear to tell."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from lingua import ConfidenceValue, LanguageDetector

# Below this confidence (0 to 1) in the likeliest language, the text's language is
# left unknown rather than guessed.
CONFIDENCE = 0.6


def languages_of(texts: Sequence[str]) -> list[str]:
    """Return the ISO 639-1 code of each of ``texts``' language, or "" where it cannot
    tell, told together on every core."""
    worded = [text for text in texts if _has_words(text)]
    told = iter(_detector().compute_language_confidence_values_in_parallel(worded))
    return [_likeliest(next(told)) if _has_words(text) else "" for text in texts]


def _has_words(text: str) -> bool:
    return any(character.isalpha() for character in text)


def _likeliest(confidences: list[ConfidenceValue]) -> str:
    """Return the code of the likeliest language, or "" when it is not likely enough."""
    likeliest = confidences[0]
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
