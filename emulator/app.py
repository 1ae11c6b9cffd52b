"""Assemble the emulator: one Starlette app, each network under its own prefix."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from emulator import admin, bluesky, mastodon, media, pages, tsa, x
from emulator.graph import routes as graph_routes
from emulator.state import Settings, World

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> Starlette:
    """Return the emulator's ASGI app with an empty world."""
    app = Starlette(
        routes=[
            Route("/", pages.index),
            Route("/accounts/{network}/{handle}", pages.timeline),
            Route("/avatars/{network}/{handle}.png", pages.avatar),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Mount("/_emulator", routes=admin.routes),
            Mount("/media", routes=media.routes),
            Mount("/x", routes=x.routes),
            Mount("/graph", routes=graph_routes.routes),
            Mount("/mastodon", routes=mastodon.routes),
            Mount("/bluesky", routes=bluesky.routes),
            Mount("/tsa", routes=tsa.routes),
        ]
    )
    app.state.world = World(settings or Settings())
    app.state.tsa = tsa.Authority()
    return app
