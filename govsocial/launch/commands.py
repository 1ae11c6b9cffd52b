"""Implement ``run``, ``test``, ``bench`` and ``manage``: prepare the database, then start
the app, the checks, the benchmarks or one operator's command."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govsocial.launch.browser import chromium_path
from govsocial.launch.children import ChildSpec, run_step
from govsocial.launch.common import PYTHON, REPO_ROOT, LaunchError, Terminated, data_dir, say
from govsocial.launch.dburl import app_dbname
from govsocial.launch.emulated_networks import mastodon_app
from govsocial.launch.redis_embedded import flush_db, with_db
from govsocial.launch.roles import DatabaseUrls, database_urls, provision, verify_app_role
from govsocial.launch.services import Services, running_services
from govsocial.launch.slots import run_slot
from govsocial.launch.supervisor import Supervisor

READY_TIMEOUT = 60.0
WATCH_INTERVAL_SECONDS = 0.5


# How a delivery worker is started everywhere (run, docker-compose.yml, the tests and the
# benchmarks): one process with no pool of its own, one per CPU, each sending its posts
# on threads of its own (publishing's outbox). A worker killed stops only its own share;
# mingle and gossip (worker-to-worker chatter govsocial does not use) would only delay
# a restarted worker.
WORKER_COMMAND = ("celery", "-A", "govsocial", "worker", "--pool", "solo",
                  "--without-mingle", "--without-gossip", "-l", "INFO")  # fmt: skip


def worker_processes() -> list[ChildSpec]:
    """Return the delivery workers of ``run``: one per CPU, each with a name of its own."""
    return [
        ChildSpec(f"worker-{n}", [PYTHON, "-m", *WORKER_COMMAND, "-n", f"worker-{n}@%h"])
        for n in range(1, (os.cpu_count() or 1) + 1)
    ]


def app_processes(port: int, data: Path, emulator_port: int) -> list[ChildSpec]:
    """Return the long-running processes of ``run``, one row each, in start order."""
    return [
        # The networks' stand-in starts first: the web and the worker publish to it.
        # Its Instagram downloads each image from the web server, as the real one does;
        # Facebook and Instagram push to the web server's webhook, signed with the app
        # secret the site has (META_WEBHOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET: _site_env).
        ChildSpec("emulator", [PYTHON, "-m", "emulator", "--host", "127.0.0.1",
                               "--port", str(emulator_port), "--fetch-media",
                               "--meta-webhook", f"{_local_url(port)}/webhooks/meta/"]),
        ChildSpec("web", [PYTHON, "-m", "gunicorn", "govsocial.wsgi:application",
                          "-c", str(REPO_ROOT / "gunicorn.conf.py"),
                          "-b", f"127.0.0.1:{port}", "--access-logfile", "-"]),
        *worker_processes(),
        ChildSpec("scheduler", [PYTHON, "-m", "celery", "-A", "govsocial", "beat",
                                "-l", "INFO", "--schedule", str(data / "celerybeat-schedule")]),
        # Hands posts to the worker the moment they are due (the schedule is in PostgreSQL).
        ChildSpec("dispatcher", [PYTHON, "manage.py", "dispatch"]),
        # Places each committed archive event in its agency's log within a second.
        ChildSpec("sequencer", [PYTHON, "manage.py", "sequence"]),
    ]  # fmt: skip


def check_steps(pytest_args: list[str]) -> list[ChildSpec]:
    """Return the checks of ``test``, in the order they run."""
    return [
        ChildSpec("ruff check", [PYTHON, "-m", "ruff", "check", "."]),
        ChildSpec("ruff format", [PYTHON, "-m", "ruff", "format", "--check", "."]),
        ChildSpec("mypy", [PYTHON, "-m", "mypy", "."]),
        ChildSpec("bandit", [PYTHON, "-m", "bandit", "-q", "-c", "pyproject.toml", "-r", "."]),
        ChildSpec("pytest", [PYTHON, "-m", "pytest", *pytest_args]),
    ]


def run(extra_args: list[str]) -> int:
    """Prepare the app and serve it until Ctrl-C or SIGTERM, restarting any process
    that ends, unless one keeps crashing."""
    if extra_args:
        raise LaunchError(f"run takes no arguments (got {' '.join(extra_args)})")
    port = _free_port_number("PORT", 8000)
    emulator_port = _free_port_number("EMULATOR_PORT", 8100)
    if emulator_port == port:
        raise LaunchError("PORT and EMULATOR_PORT must differ")
    data = data_dir()
    with running_services(data) as services:
        db = _database(services, suffix="")
        env = _child_env(services, db, data, services.redis_url)
        env |= _site_env(data, port, emulator_port)
        env |= _demo_mailbox(data, serving=True)
        _prepare(env, db, [["collectstatic", "--noinput"]])
        emulator, *others = app_processes(port, data, emulator_port)
        with Supervisor(env) as supervisor:
            if services.embedded_redis is not None:
                supervisor.watch(services.embedded_redis)
            if "DEMO_MAILBOX" in env:
                supervisor.start(ChildSpec("mailbox", [
                    PYTHON, "-m", "govsocial.demo_mailbox",
                    "--port", env["EMAIL_PORT"], "--folder", env["DEMO_MAILBOX"],
                ]))  # fmt: skip
            supervisor.start(emulator)
            if not os.environ.get("MASTODON_CLIENT_ID"):
                registered = mastodon_app(env["EMULATOR_URL"], port)
                supervisor.add_env(registered)
                env |= registered
            for spec in others:
                supervisor.start(spec)
            _demo(env)
            return _serve(supervisor, port, emulator_port, mailbox="DEMO_MAILBOX" in env)


def test(pytest_args: list[str]) -> int:
    """Prepare a fresh test database, then run linters, type checks and pytest."""
    with _fresh_environment("test") as env:
        chromium = chromium_path()
        if chromium:
            env["GOVSOCIAL_CHROMIUM"] = chromium
        for step in check_steps(pytest_args):
            code = run_step(step.name, step.argv, env)
            if code == 5 and step.name == "pytest":
                raise LaunchError("step pytest failed: it collected no tests (exit code 5)", 5)
            if code != 0:
                raise LaunchError(f"step {step.name} failed (exit code {code})", _exit_code(code))
    say("all checks passed")
    return 0


def bench(bench_args: list[str]) -> int:
    """Run every benchmark in bench/, or the one named first with the options after it,
    against a fresh database; each prints JSON lines."""
    chosen = benchmarks(bench_args)
    with _fresh_environment("bench") as env:
        for script, options in chosen:
            code = run_step(script.stem, [PYTHON, str(script), *options], env)
            if code != 0:
                raise LaunchError(f"benchmark {script.name} failed (exit code {code})")
    return 0


def benchmarks(bench_args: list[str]) -> list[tuple[Path, list[str]]]:
    """Return the scripts ``bench`` runs with their options: every one without options,
    or only the one named first, with the rest (each script refuses the others')."""
    scripts = {
        path.stem: path
        for path in sorted((REPO_ROOT / "bench").glob("*.py"))
        if not path.name.startswith("_")
    }
    if not bench_args:
        return [(path, []) for path in scripts.values()]
    name, *options = bench_args
    known = ", ".join(scripts)
    if name.startswith("-"):
        raise LaunchError(
            "benchmark options belong to one benchmark: name it, e.g. "
            f'make bench BENCH=publish ARGS="{" ".join(bench_args)}" (benchmarks: {known})',
            2,
        )
    if name not in scripts:
        raise LaunchError(f"no benchmark {name!r} in bench/ (benchmarks: {known})", 2)
    return [(scripts[name], options)]


def manage(manage_args: list[str]) -> int:
    """Run one ``manage.py`` command as the app role, on the data folder, secrets and
    servers of ``run``, whether ``run`` is running or not; return its exit code."""
    if not manage_args or manage_args[0].startswith("-"):
        raise LaunchError('name a command first, e.g. make manage ARGS="archive_verify"', 2)
    data = data_dir()
    with running_services(data) as services:
        # An operator's command changes no role or database: `make run` set them up.
        db = _database(services, suffix="", provision_it=False)
        try:
            verify_app_role(db, quiet=True)
        except LaunchError as error:
            raise LaunchError(f"{error} (`make run` creates the database the first time)") from None
        env = _child_env(services, db, data, services.redis_url)
        env |= _site_env(data, _port_number("PORT", 8000), _port_number("EMULATOR_PORT", 8100))
        env |= _demo_mailbox(data, serving=False)
        argv = [PYTHON, "manage.py", *manage_args]
        code = run_step(f"manage.py {manage_args[0]}", argv, env, interactive=True)
    return 0 if code == 0 else _exit_code(code)


@contextmanager
def _fresh_environment(kind: str) -> Iterator[dict[str, str]]:
    """Yield the children's environment on a fresh, migrated database and an empty Redis
    db, both this run's own (named by ``kind`` and the run's slot)."""
    data = data_dir()
    with running_services(data) as services, run_slot(services.redis_url) as slot:
        db = _database(services, suffix=f"_{kind}_{slot}")
        redis_url = with_db(services.redis_url, slot)
        flush_db(redis_url)
        # What the archive keeps whole goes with the database: this run's own, empty.
        archive_root = data / f"archive_{kind}_{slot}"
        packages_root = data / f"packages_{kind}_{slot}"
        for folder in (archive_root, packages_root):
            shutil.rmtree(folder, ignore_errors=True)
        env = _child_env(services, db, data, redis_url) | {
            "ARCHIVE_ROOT": str(archive_root),
            "PACKAGES_ROOT": str(packages_root),
        }
        _prepare(env, db, [])
        # Tests and benchmarks set up what the app role may not (tampering, fixtures);
        # nothing of run or manage gets the owner's credentials.
        yield env | {"DATABASE_OWNER_URL": db.owner}


def _database(services: Services, *, suffix: str, provision_it: bool = True) -> DatabaseUrls:
    """Provision (or take as given) the database named with ``suffix``; fresh unless run's.
    Without ``provision_it``, return its URLs as provisioning left them, changing nothing."""
    if services.given is not None:
        return services.given
    if services.admin_url is None:
        raise LaunchError("neither an administrative nor an application database URL is known")
    dbname = app_dbname(services.admin_url) + suffix
    if not provision_it:
        return database_urls(services.admin_url, dbname, services.secrets)
    return provision(services.admin_url, dbname, services.secrets, fresh=bool(suffix))


def _child_env(services: Services, db: DatabaseUrls, data: Path, redis_url: str) -> dict[str, str]:
    """Return the environment shared by every child: the app role's URL as DATABASE_URL,
    and never the owner's (only migrations hold it)."""
    venv_bin = str(Path(PYTHON).parent)
    inherited = {k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"}
    return inherited | {
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": db.app,
        "REDIS_URL": redis_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or services.secrets["secret_key"],
        "ENCRYPTION_KEYS": os.environ.get("ENCRYPTION_KEYS") or services.secrets["encryption_key"],
        "ARCHIVE_SIGNING_KEY": (
            os.environ.get("ARCHIVE_SIGNING_KEY") or services.secrets["archive_signing_key"]
        ),
        "GOVSOCIAL_DATA_DIR": str(data),
        # Served over plain http on localhost; production terminates TLS elsewhere.
        "GOVSOCIAL_HTTPS": "0",
    }


def _site_env(data: Path, port: int, emulator_port: int) -> dict[str, str]:
    """Return the settings of the site ``run`` serves (hosts, static files, addresses)."""
    return {
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DEBUG": "0",
        "STATIC_ROOT": str(data / "static"),
        "EMULATOR_URL": _local_url(emulator_port),
        # Shared by the site and the emulator's Facebook, which signs its pushes with it.
        "META_WEBHOOK_VERIFY_TOKEN": (
            os.environ.get("META_WEBHOOK_VERIFY_TOKEN") or secrets.token_urlsafe(16)
        ),
        "FACEBOOK_APP_SECRET": os.environ.get("FACEBOOK_APP_SECRET") or secrets.token_urlsafe(24),
        # Links in emails, and the image addresses Instagram fetches, point here.
        "SITE_URL": os.environ.get("SITE_URL") or _local_url(port),
    }


def _prepare(env: dict[str, str], db: DatabaseUrls, extra_commands: list[list[str]]) -> None:
    """Check the app role, migrate and grant as the owner role, run ``extra_commands``, then
    check again (migrations must not have given the app role anything it may not own)."""
    # Before anything runs: a misconfigured DATABASE_URL must not get to touch the data.
    verify_app_role(db, quiet=True)
    as_owner = env | {"DATABASE_URL": db.owner}
    steps = [
        ("migrate", ["migrate", "--noinput"], as_owner),
        ("grant_app_role", ["grant_app_role", "govsocial_app"], as_owner),
        *((command[0], command, env) for command in extra_commands),
    ]
    for name, args, step_env in steps:
        code = run_step(name, [PYTHON, "manage.py", *args], step_env)
        if code != 0:
            raise LaunchError(f"step manage.py {name} failed (exit code {code})", _exit_code(code))
    verify_app_role(db)


def _demo(env: dict[str, str]) -> None:
    """Load the demo agencies once the networks' stand-in listens: their accounts are
    connected on it, and the demo agency's posts go out to it through the worker's own
    delivery path. Its sends wait briefly for an answer (the emulator is on this
    machine), so the one the demo leaves unconfirmed costs seconds, not the default ten."""
    step_env = env | {"NETWORK_TIMEOUT_SECONDS": os.environ.get("NETWORK_TIMEOUT_SECONDS", "3")}
    code = run_step("demo_data", [PYTHON, "manage.py", "demo_data"], step_env)
    if code != 0:
        raise LaunchError(f"step manage.py demo_data failed (exit code {code})", _exit_code(code))


def _demo_mailbox(data: Path, *, serving: bool) -> dict[str, str]:
    """Return the settings that send the app's email over SMTP to the demo's mailbox
    (``MAIL_PORT``, 8025; ``run`` starts it, so the port must be free when ``serving``)
    and show its page; none when the environment says how to send email (EMAIL_BACKEND)."""
    if os.environ.get("EMAIL_BACKEND"):
        return {}
    port = (_free_port_number if serving else _port_number)("MAIL_PORT", 8025)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DEMO_MAILBOX": str(data / "mailbox"),
    }


def _serve(supervisor: Supervisor, port: int, emulator_port: int, *, mailbox: bool) -> int:
    """Announce the URLs once the web server listens, then keep the processes running."""
    url = _local_url(port) + "/"
    announced = False
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        while True:
            supervisor.check()
            if not announced and (_listening(port) or time.monotonic() > deadline):
                say(f"govsocial is running: open {url}   (Ctrl-C stops it)")
                say(f"network emulator: {_local_url(emulator_port)}/ (accounts and timelines)")
                if mailbox:
                    say(f"mailbox: {url}mailbox/ (every email the demo sends)")
                announced = True
            time.sleep(WATCH_INTERVAL_SECONDS)
    except (KeyboardInterrupt, Terminated):
        # Stopping is the normal way to end ``run``; cleanup happens in the with-blocks.
        say("stop requested")
        return 0


def _port_number(variable: str, default: int) -> int:
    """Return the port in ``$variable`` (or ``default``)."""
    raw = os.environ.get(variable, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise LaunchError(f"{variable} must be a TCP port number, not {raw!r}")
    return int(raw)


def _free_port_number(variable: str, default: int) -> int:
    """Return the port in ``$variable`` (or ``default``), failing early when something
    already listens there."""
    port = _port_number(variable, default)
    if _listening(port):
        raise LaunchError(
            f"something already listens on 127.0.0.1:{port}; set {variable}=<free port>"
        )
    return port


def _local_url(port: int) -> str:
    """Return the base URL of a server of ``run`` on this machine."""
    return f"http://127.0.0.1:{port}"


def _listening(port: int) -> bool:
    """Return whether a server accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _exit_code(child_code: int) -> int:
    """Return a failing exit code for a child's code (negative means killed by a signal)."""
    return child_code if child_code > 0 else 1
