"""Register govsocial with the emulator's networks for ``run``, as an operator registers
the app with each real network.

X and Facebook accept the demo's app id (see ``network_configuration``); a Mastodon
instance issues an app's credentials itself, so ``run`` asks the emulator's instance for
them once it listens and hands them to the web and worker processes.
"""

from __future__ import annotations

import time

import httpx

from govsocial.launch.common import LaunchError

REGISTER_TIMEOUT = 20.0


def mastodon_app(emulator_url: str, web_port: int) -> dict[str, str]:
    """Register govsocial on the emulator's Mastodon instance; return the environment
    variables that carry the app's credentials."""
    callbacks = [
        f"http://{host}:{web_port}/networks/mastodon/callback/"
        for host in ("127.0.0.1", "localhost")
    ]
    form = {
        "client_name": "govsocial",
        "redirect_uris": " ".join(callbacks),
        "scopes": "read write",
    }
    deadline = time.monotonic() + REGISTER_TIMEOUT
    while True:
        try:
            response = httpx.post(f"{emulator_url}/mastodon/api/v1/apps", data=form, timeout=5)
            app = response.raise_for_status().json()
            break
        except httpx.HTTPError as error:
            if time.monotonic() > deadline:
                raise LaunchError(f"the network emulator did not answer: {error}") from error
            time.sleep(0.2)
    return {"MASTODON_CLIENT_ID": app["client_id"], "MASTODON_CLIENT_SECRET": app["client_secret"]}
