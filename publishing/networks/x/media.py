"""Check media against X's rules and upload them (API v2, chunked) with their alt text.

tweepy's v2 client has no media upload, so the endpoints are called with the adapter's
session: initialize, append (segments), finalize, STATUS while a video is processed,
then metadata for the alt text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from publishing.networks.base import (
    AccountCredentials,
    MediaItem,
    PermanentNetworkError,
    Phrase,
    TransientNetworkError,
    ValidationProblem,
    gettext_noop,
)
from publishing.networks.limits import ALT_TEXT_MAX, MB, MEDIA_RULES, media_kind
from publishing.networks.media import media_problems as shared_media_problems
from publishing.networks.x.api import checked

RULE = MEDIA_RULES["x"]
# X takes upload segments of up to 5 MB; 4 MiB stays clear of that.
CHUNK_BYTES = 4 * MB
# How long a publish may wait for X to finish processing a video or GIF.
PROCESSING_SECONDS = 60.0


def media_problems(media: Sequence[MediaItem]) -> list[ValidationProblem]:
    """Return what X would refuse about a post's files: those every network refuses, and
    a video or GIF beside other files."""
    problems = []
    if 1 < len(media) <= RULE.max_count and any(media_kind(m.mime_type) != "image" for m in media):
        problems.append(
            ValidationProblem(
                "media_mixed",
                gettext_noop(
                    "X takes up to %(most)s images, or one video or GIF on its own, per post: "
                    "post the video or GIF separately."
                ),
                "media",
                {"most": RULE.max_count},
            )
        )
    return problems + shared_media_problems(
        media,
        network="X",
        rule=RULE,
        accepted=Phrase(gettext_noop("JPEG, PNG, GIF, WebP or MP4")),
        alt_text_max=ALT_TEXT_MAX["x"],
    )


class MediaUpload:
    """Upload files to X as one account."""

    def __init__(self, session: requests.Session, api_url: str, account: AccountCredentials):
        """Upload through ``session`` to the API at ``api_url`` as ``account``."""
        self.session = session
        self.api_url = api_url
        self.account = account

    def upload(self, item: MediaItem) -> str:
        """Upload one file in segments, wait until X has processed it, set its alt text;
        return its media id."""
        opened = self._call(
            "POST",
            "/2/media/upload/initialize",
            json={
                "media_type": item.mime_type,
                "total_bytes": len(item.content),
                "media_category": f"tweet_{media_kind(item.mime_type)}",
            },
        )
        media_id = str(opened["data"]["id"])
        for index, start in enumerate(range(0, len(item.content), CHUNK_BYTES)):
            segment = item.content[start : start + CHUNK_BYTES]
            self._call(
                "POST",
                f"/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={"media": (item.filename, segment, "application/octet-stream")},
            )
        finished = self._call("POST", f"/2/media/upload/{media_id}/finalize")
        self._await_processing(media_id, finished["data"].get("processing_info"))
        if item.alt_text:
            self._call(
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text}}},
            )
        return media_id

    def _await_processing(self, media_id: str, info: Mapping[str, Any] | None) -> None:
        """Wait, as long as X asks and within a limit, until a video or GIF is processed."""
        deadline = time.monotonic() + PROCESSING_SECONDS
        wait = 0.0
        while info and info.get("state") in ("pending", "in_progress"):
            if time.monotonic() + wait > deadline:
                raise TransientNetworkError(
                    "X is still processing the video; govsocial will try again."
                )
            # The first check goes at once: X may be done already.
            time.sleep(wait)
            status = self._call(
                "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id}
            )
            info = status["data"].get("processing_info")
            wait = float((info or {}).get("check_after_secs") or 1)
        if info and info.get("state") == "failed":
            error = info.get("error") or {}
            raise PermanentNetworkError(
                f"X could not process the file: {error.get('message') or 'no reason given'}."
            )

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Call one of X's media endpoints; return the answer's JSON."""
        headers = {"Authorization": f"Bearer {self.account.access_token}"}
        response = self.session.request(method, self.api_url + path, headers=headers, **kwargs)
        return checked(response)
