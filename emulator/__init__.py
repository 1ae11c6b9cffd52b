"""Emulate the social networks govsocial publishes to, on one local port.

``python -m emulator --host 127.0.0.1 --port 8100 [--latency-ms N] [--seed N]
[--fetch-media]`` serves:

- ``/x``: X API v2 (see ``emulator.x``); tweepy's host is rewritten to this prefix.
- ``/graph/{version}``: Graph API, Facebook pages and Instagram (see ``emulator.graph``).
- ``/mastodon``: Mastodon's API (see ``emulator.mastodon``).
- ``/bluesky/xrpc``: AT Protocol XRPC (see ``emulator.bluesky``).
- ``/tsa/``: a time-stamping authority (RFC 3161, see ``emulator.tsa``), and its
  certificate chain at ``/tsa/chain.pem``.
- ``/media/{network}/{id}``: the files citizens attached, served without a token as the
  networks' media hosts serve them (see ``emulator.media``).
- ``/``: a page listing the accounts per network, and ``/accounts/{network}/{handle}``,
  each account's timeline with its replies.

Every API call goes through ``emulator.pipeline``: the global latency, faults, token
checks, the account's rate limit (with the network's headers), then the handler.
Citizens (``emulator.citizens``) reply to and mention new posts, deterministically
from the seed.

The emulator judges posts by its own rules, written from the networks' documentation
(``emulator.rules``): X's weighted length by twitter-text's rules (URLs 23, emoji and
CJK 2, directional marks 2, invalid domains counted character by character), Mastodon's
500 characters, Bluesky's 300 graphemes, Facebook's and Instagram's limits, and each
network's media limits. It imports nothing of govsocial's own code (a test reads its
sources to hold it to that), so a counting mistake in the app is refused here as the
network would refuse it, instead of being agreed with.

Admin API (JSON, under ``/_emulator/``)::

    GET    /health                         {"ok": true}
    POST   /reset            {"seed"?}     forget everything but registered apps; settings back
                                           to the command line's
    GET    /config                         {"latency_ms", "seed", "citizens", "fetch_media",
                                            "rate_limits": {network: {"limit", "window_seconds"}}}
    PUT    /config           same fields   change any of them; "meta_webhook": {"url",
                                           "verify_token", "app_secret"} (or null) is where
                                           Facebook and Instagram push (GET shows the url,
                                           "verified", "delivered", "failed", "waiting")
    GET    /accounts?network=              {"accounts": [account]}
    POST   /accounts         {"network", "handle", "display_name"?, "password"?}
                                           201 (200 if it existed): account + fresh tokens
    POST   /accounts/{network}/{handle}/tokens   {"expires_in"?}   fresh tokens
    POST   /accounts/{network}/{handle}/expire   {"refresh"?}      expire access (+refresh) tokens
    GET    /posts?network=&account=&origin=account|citizen&kind=&include_deleted=1
                                           {"count", "posts": [post]}, newest first
    POST   /inbound          {"network", "account", "kind": reply|mention|message, "text",
                              "in_reply_to"?, "citizen"?, "media"?: [{"mime_type"?,
                              "alt"?, "content"? (base64; a small PNG when absent)}]}
                                           a citizen writes; 201 post (400 when the
                                           account blocked the citizen)
    PATCH  /posts/{network}/{id}   {"text"}   the citizen who wrote it edits it (mastodon,
                                           facebook: the networks that allow it); post
    DELETE /posts/{network}/{id}           the citizen who wrote it deletes it; post
    GET    /blocked?network=&account=      {"blocked": [id]}: whom the account blocked
                                           (X, Mastodon, Bluesky and Facebook pages can)
    GET    /faults                         {"faults": [fault]}
    POST   /faults           {"kind", "network"?, "account"?, "method"?, "path"?, "count"?,
                              "ms"?, "status"?, "code"?, "reset_in"?, "hold_ms"?}   201 fault
    DELETE /faults                         clear all;  DELETE /faults/{id}: clear one

Networks: ``x``, ``facebook`` (a page with its Instagram account), ``mastodon``,
``bluesky``; posts also carry ``instagram``. Fault kinds: ``latency`` (``ms``),
``server_error`` (``status``, default 503), ``rate_limit`` (429 with reset headers
``reset_in`` seconds ahead; on Graph, ``code`` 4, 17, 32 or 613), ``token_expired``
(401; Graph 190; Bluesky 400 ExpiredToken), ``accepted_timeout`` (the call is carried
out and stored, the answer held ``hold_ms``, default 30 s). ``count`` limits a fault to
the next N matching calls.

Instagram takes an image only by address (``image_url``). With ``fetch_media`` on
(``--fetch-media``, or ``PUT /config {"fetch_media": true}``), creating a container
downloads it, as Instagram does, within a few seconds, and refuses with Instagram's
error (code 9004, subcode 2207052, "The media could not be fetched from this uri")
what does not answer 200 with an image. It is off by default, so that tests publish to
Instagram with no web server to fetch from; ``run`` turns it on, and the tests that
start a web server turn it on for themselves.
"""
