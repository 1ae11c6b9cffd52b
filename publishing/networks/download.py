"""Read a file a citizen attached from where the network serves it: bounded in size,
with the network's timeout, every failure one of the three errors.

The networks serve these files from their media hosts without the account's token
(X's pbs.twimg.com, Mastodon's media server, Bluesky's CDN, Meta's CDN addresses), so
every adapter downloads the same way; each names its own settings.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from publishing.networks.base import (
    DownloadedMedia,
    NetworkSettings,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.http import httpx_client, retry_after_seconds, transport_error
from publishing.networks.limits import sniff_mime

CHUNK = 64 * 1024
# The types a download may be kept as; anything else is taken from the bytes.
_GENERIC = ("", "application/octet-stream", "binary/octet-stream")


def media_download(settings: NetworkSettings, url: str, *, max_bytes: int) -> DownloadedMedia:
    """Return the bytes at ``url`` and their media type (as served, else as the first
    bytes show); refuse an address that is not http(s), a file larger than
    ``max_bytes``, and one the network no longer serves. Redirects are followed (media
    hosts move files to their CDN)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise PermanentNetworkError("The file's address is not a web address.")
    try:
        with (
            httpx_client(settings, follow_redirects=True) as client,
            client.stream("GET", url) as answer,
        ):
            _refuse_status(answer)
            declared = answer.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(max_bytes)
            content = bytearray()
            for chunk in answer.iter_bytes(CHUNK):
                content += chunk
                if len(content) > max_bytes:
                    raise _too_large(max_bytes)
            served = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    except httpx.InvalidURL as error:
        raise PermanentNetworkError("The file's address cannot be read.") from error
    except httpx.HTTPError as error:
        raise transport_error(error, writes=False) from error
    data = bytes(content)
    mime = sniff_mime(data) if served in _GENERIC else served
    return DownloadedMedia(content=data, mime_type=mime)


def _refuse_status(answer: httpx.Response) -> None:
    """Raise the error an answer's status means: throttled or failing is tried later,
    anything else that is not a success will not change."""
    status = answer.status_code
    if status < 300:
        return
    if status == 429 or status >= 500:
        raise TransientNetworkError(
            f"The network's media server answered {status}; the file is fetched again later.",
            retry_after=retry_after_seconds(answer.headers),
            rate_limited=status == 429,
            status=status,
        )
    raise PermanentNetworkError(
        f"The network no longer serves the file (it answered {status}).", status=status
    )


def _too_large(max_bytes: int) -> PermanentNetworkError:
    """Return the refusal of a file over the limit."""
    megabytes = max_bytes / (1024 * 1024)
    return PermanentNetworkError(
        f"The file is larger than {megabytes:g} MB, the most kept of a citizen's file."
    )
