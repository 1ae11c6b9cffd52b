"""Per-key rate limit: 429 with Retry-After once a key spends its budget."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Count requests per API key (in the shared Redis cache); others are not limited here."""

    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key_id = getattr(request.auth, "key_id", None)
        if key_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key_id}
