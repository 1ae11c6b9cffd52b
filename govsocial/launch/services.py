"""Provide PostgreSQL and Redis: the servers named in the environment, or embedded ones.

Several launchers (say ``make run`` in one terminal and ``make test`` in another)
may share the embedded servers of one data folder. Each holds a shared lock on
``<data>/launcher.lock`` while it runs; whoever can turn it into an exclusive lock
on the way out is the last user and stops the servers. Any of them may start the
embedded Redis again when it dies (``run`` does); the last user stops whichever Redis
serves the data folder then.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from govsocial.launch.common import LaunchError, say, shielded
from govsocial.launch.pg_embedded import start_embedded_postgres
from govsocial.launch.redis_embedded import (
    EmbeddedRedis,
    ping,
    restart_embedded_redis,
    start_embedded_redis,
)
from govsocial.launch.roles import DatabaseUrls
from govsocial.launch.secrets_file import load_secrets


@dataclass(frozen=True)
class Services:
    """Say where the servers are and which secrets belong to this data folder.

    Exactly one of ``admin_url`` (a login that may create roles and databases) and
    ``given`` (operator-supplied DATABASE_URL and DATABASE_OWNER_URL) is set.
    """

    admin_url: str | None
    given: DatabaseUrls | None
    redis_url: str
    secrets: dict[str, str]
    # The embedded Redis, for ``run`` to watch; None when REDIS_URL names a server.
    embedded_redis: WatchedRedis | None = None


@dataclass(frozen=True)
class WatchedRedis:
    """Let a supervisor watch the embedded Redis and start it again when it dies."""

    server: EmbeddedRedis
    start_lock: Path
    name: str = "embedded Redis"

    @property
    def pid(self) -> int:
        """Return the pid of the server running now."""
        return self.server.pid

    def ended(self) -> str | None:
        """Describe how the server ended, or return None while it runs."""
        return self.server.ended()

    def restart(self) -> None:
        """Start it again on its port, one launcher at a time: another one sharing the
        data folder may notice its end as well, and must adopt the new server."""
        with _exclusive(self.start_lock):
            restart_embedded_redis(self.server)


@contextmanager
def running_services(data: Path) -> Iterator[Services]:
    """Yield the services, stopping embedded servers afterwards if no other launcher uses them."""
    env = os.environ
    if env.get("DATABASE_OWNER_URL") and not env.get("DATABASE_URL"):
        raise LaunchError("DATABASE_OWNER_URL is set but DATABASE_URL is not; set both or neither")
    users = _open_lock(data / "launcher.lock")
    stops: list[Callable[[], None]] = []
    try:
        # Blocks while another launcher is stopping the servers, so we never race it.
        fcntl.flock(users, fcntl.LOCK_SH)
        with _exclusive(data / "start.lock"):
            services = _start(data, stops)
        yield services
    finally:
        _stop_if_last(users, stops)


def _start(data: Path, stops: list[Callable[[], None]]) -> Services:
    """Locate or start each server; register embedded ones in ``stops`` (start order)."""
    secrets = load_secrets(data)
    env = os.environ
    given = None
    if env.get("DATABASE_URL") and env.get("DATABASE_OWNER_URL"):
        admin_url = None
        given = DatabaseUrls(app=env["DATABASE_URL"], owner=env["DATABASE_OWNER_URL"])
        say("using DATABASE_URL (app role) and DATABASE_OWNER_URL as given: no provisioning")
    elif env.get("DATABASE_URL"):
        admin_url = env["DATABASE_URL"]
    else:
        postgres = start_embedded_postgres(data / "pg")
        stops.append(postgres.stop)
        admin_url = postgres.admin_url()
    if env.get("REDIS_URL"):
        redis_url = env["REDIS_URL"]
        if not ping(redis_url, timeout=5):
            raise LaunchError("the Redis server in REDIS_URL does not answer PING")
        return Services(admin_url, given, redis_url, secrets)
    redis = start_embedded_redis(data / "redis", secrets["redis_password"])
    stops.append(redis.stop)
    watched = WatchedRedis(redis, data / "start.lock")
    return Services(admin_url, given, redis.url(), secrets, watched)


def _stop_if_last(users: int, stops: list[Callable[[], None]]) -> None:
    """Stop embedded servers (reverse start order) unless another launcher still holds the lock."""
    with shielded():
        if stops:
            _stop_servers(users, stops)
        os.close(users)


def _stop_servers(users: int, stops: list[Callable[[], None]]) -> None:
    """Run ``stops`` if this launcher can take the lock exclusively (it is the last user)."""
    try:
        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say("another launcher is using the embedded servers: leaving them running")
        return
    for stop in reversed(stops):
        stop()


def _open_lock(path: Path) -> int:
    """Open (creating) a lock file and return its descriptor."""
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` so only one launcher starts servers at a time."""
    descriptor = _open_lock(path)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
