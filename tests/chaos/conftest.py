"""Chaos runs: delivery through real dispatcher and worker processes."""

from tests.delivery_processes import delivery, live_agency, live_db  # noqa: F401
