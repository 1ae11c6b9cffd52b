"""The bodies the API reads: JSON everywhere, multipart where files are sent. Each
refuses what it cannot take with a message about the request, never about the parser:
a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413), JSON that is malformed or nested
deeper than Python can read, and text that is not Unicode (a lone surrogate, which
nothing can store). A NUL character, which PostgreSQL cannot store either, is refused
by each text field."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    """A request body over what the API reads."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is larger than this server takes.")
    default_code = "too_large"


class JSONParser(parsers.JSONParser):
    """Read a JSON body of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_not_json)
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The request body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from error
        except json.JSONDecodeError as error:
            raise ParseError(
                _("The request body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": error.lineno, "column": error.colno}
            ) from error
        except ValueError as error:
            # NaN and Infinity, which JSON does not have.
            raise ParseError(
                _("The request body is not valid JSON: %(reason)s") % {"reason": error}
            ) from error
        except RecursionError as error:
            raise ParseError(_("The request body is nested too deeply.")) from error
        if any(_lone_surrogate(text) for text in _strings(data)):
            raise ParseError(_("The request body holds text that is not valid Unicode."))
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Read a multipart body (files with their fields), saying what is wrong with it."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            if isinstance(error.__context__, MultiPartParserError):
                raise ParseError(_("The request body is not a valid multipart form.")) from error
            raise


def _not_json(constant: str) -> Any:
    raise ValueError(_("%(constant)s is not a JSON value.") % {"constant": constant})


def _strings(data: Any) -> Iterator[str]:
    """Yield every string of a parsed JSON document, keys included (iteratively: the
    document may be deep)."""
    waiting = [data]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            waiting.extend(item.keys())
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
