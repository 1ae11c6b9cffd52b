"""Fixtures of the approvals' tests: committed data for those that need several
connections at once."""

from tests.delivery_processes import live_agency, live_db  # noqa: F401
