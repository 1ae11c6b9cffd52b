"""Start and stop the embedded PostgreSQL server from the ``pgserver`` wheel."""

from __future__ import annotations

import logging
import os
import stat
import subprocess  # the launcher exists to start processes  # nosec B404
import warnings
from dataclasses import dataclass
from pathlib import Path

from govsocial.launch.common import LaunchError, say
from govsocial.launch.dburl import socket_url

SUPERUSER = "postgres"


# How long a stop waits for the server to end before saying it did not.
STOP_WAIT_SECONDS = 300


@dataclass(frozen=True)
class EmbeddedPostgres:
    """Describe a running embedded server: where its data and socket live, who runs it."""

    pgdata: Path
    socket_dir: Path
    system_user: str | None
    pg_ctl: Path

    def admin_url(self) -> str:
        """Return the superuser URL (trust auth over the private unix socket)."""
        return socket_url(self.socket_dir, SUPERUSER, "postgres")

    def stop(self) -> None:
        """Stop the server with a fast shutdown, which ends open sessions cleanly, and
        wait until it has, up to ``STOP_WAIT_SECONDS`` (pg_ctl's own wait is 60 s, and
        on a loaded machine a stop was once seen to leave the server running)."""
        say(f"stopping embedded PostgreSQL ({self.pgdata})")
        argv = [
            str(self.pg_ctl),
            *("-D", str(self.pgdata), "-w", "-t", str(STOP_WAIT_SECONDS), "-m", "fast", "stop"),
        ]
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell  # nosec B603
            argv,
            user=self.system_user,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if result.returncode != 0 and "not running" not in result.stderr:
            say(f"pg_ctl stop failed: {result.stderr.strip()}")


def start_embedded_postgres(pgdata: Path) -> EmbeddedPostgres:
    """Initialise ``pgdata`` if needed and start (or reuse) its server."""
    # pgserver logs the server log on failures; show those, hide its info chatter.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as in containers and CI.
        warnings.simplefilter("ignore")
        from pgserver import _commands, postgres_server
    if os.geteuid() == 0:
        # pgserver would make every parent folder world-listable (even /root) so its
        # "pgserver" system user can reach pgdata; traversal alone is enough.
        vars(postgres_server)["ensure_prefix_permissions"] = grant_traverse
    say(f"starting embedded PostgreSQL in {pgdata}")
    try:
        server = postgres_server.get_server(pgdata, cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as error:
        log = pgdata / "log"
        raise LaunchError(f"embedded PostgreSQL did not start ({error}); see {log}") from None
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        raise LaunchError("embedded PostgreSQL reported no unix socket directory")
    return EmbeddedPostgres(
        pgdata=pgdata,
        socket_dir=info.socket_dir,
        system_user=server.system_user,
        pg_ctl=_commands.POSTGRES_BIN_PATH / "pg_ctl",
    )


def grant_traverse(path: Path) -> None:
    """Let other users traverse (not list) every parent folder of ``path``."""
    # Group too: pgserver drops only the uid, so its processes keep root's group.
    traverse = stat.S_IXGRP | stat.S_IXOTH
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if mode & traverse != traverse:
            say(f"allowing other users to traverse {parent} (needed by the pgserver user)")
            parent.chmod(mode | traverse)
