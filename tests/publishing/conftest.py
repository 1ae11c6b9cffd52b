"""Publishing's fixtures: a quiet emulator with short delivery timings, and delivery
through real dispatcher and worker processes."""

from typing import Any

import pytest

from tests.delivery_processes import delivery, live_agency, live_db  # noqa: F401
from tests.emulator_client import Emulator
from tests.publishing.delivery import fast_delivery


@pytest.fixture
def quiet(networks: Emulator, settings: Any) -> Emulator:
    """Give the emulator with its citizens silent, and delivery timings short."""
    networks.configure(citizens=False)
    fast_delivery(settings)
    return networks
