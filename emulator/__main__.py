"""Start the emulator.

``python -m emulator --host 127.0.0.1 --port 8100 [--latency-ms N] [--seed N]
[--no-citizens] [--fetch-media] [--rate-limit NETWORK=LIMIT/SECONDS]``
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from emulator.app import create_app
from emulator.ratelimit import RatePolicy
from emulator.state import NETWORKS, Settings
from emulator.webhooks import Subscription


def parse(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Serve the emulated networks."
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8100, help="port to listen on (default 8100)")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every API call")
    parser.add_argument("--seed", type=int, default=0, help="seed of the citizens' replies")
    parser.add_argument(
        "--no-citizens", action="store_true", help="no synthetic replies or mentions"
    )
    parser.add_argument(
        "--fetch-media",
        action="store_true",
        help="Instagram fetches each image_url, refusing what it cannot fetch (off: trusted)",
    )
    parser.add_argument(
        "--meta-webhook",
        metavar="URL",
        help="push Facebook's and Instagram's notifications to this webhook",
    )
    parser.add_argument(
        "--meta-verify-token",
        default=os.environ.get("META_WEBHOOK_VERIFY_TOKEN", ""),
        help="the webhook's verify token (default: $META_WEBHOOK_VERIFY_TOKEN)",
    )
    parser.add_argument(
        "--meta-app-secret",
        default=os.environ.get("FACEBOOK_APP_SECRET", ""),
        help="the app secret pushes are signed with (default: $FACEBOOK_APP_SECRET)",
    )
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="NETWORK=LIMIT/SECONDS",
        help="calls per account per window, e.g. x=300/900 (repeatable)",
    )
    return parser.parse_args(argv)


def rate_limits(specs: list[str]) -> dict[str, RatePolicy]:
    """Turn ``x=300/900`` options into policies."""
    policies = {}
    for spec in specs:
        network, _, figures = spec.partition("=")
        limit, _, window = figures.partition("/")
        if network not in NETWORKS or not limit.isdigit() or not window.isdigit():
            raise SystemExit(
                f"--rate-limit {spec!r}: expected NETWORK=LIMIT/SECONDS, NETWORK one of {NETWORKS}"
            )
        policies[network] = RatePolicy(int(limit), int(window))
    return policies


def main(argv: list[str]) -> int:
    """Serve until interrupted."""
    args = parse(argv)
    settings = Settings(
        latency_ms=args.latency_ms,
        seed=args.seed,
        citizens=not args.no_citizens,
        fetch_media=args.fetch_media,
        rate_limits=rate_limits(args.rate_limit),
        meta_webhook=(
            Subscription(args.meta_webhook, args.meta_verify_token, args.meta_app_secret)
            if args.meta_webhook
            else None
        ),
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        # Longer than any client keeps an idle connection (httpx: 5 s, as uvicorn's
        # default): a server closing one just as a client reuses it made the client's
        # request fail with "Server disconnected without sending a response".
        timeout_keep_alive=75,
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
