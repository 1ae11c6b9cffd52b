"""One configuration: `make run`, docker-compose.yml, the tests and the benchmarks start
the delivery workers with the same command, and `make run`, the image and the API
benchmark the web server with the same processes and threads (gunicorn.conf.py), each
process freezing the app it loaded out of the garbage collector's passes; and
in docker-compose.yml, as in `make run`, only migrations hold the tables' owner's
credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from govsocial.launch.commands import WORKER_COMMAND, app_processes, worker_processes
from govsocial.launch.common import REPO_ROOT


def test_docker_compose_starts_its_workers_as_make_run_does() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())

    worker = compose["services"]["worker"]

    assert tuple(worker["command"]) == WORKER_COMMAND
    assert worker["deploy"]["replicas"] >= 1


def test_make_run_starts_one_worker_per_cpu_each_named_apart() -> None:
    workers = worker_processes()

    assert len(workers) == (os.cpu_count() or 1)
    assert len({spec.name for spec in workers}) == len(workers)
    for spec in workers:
        assert tuple(spec.argv[2 : 2 + len(WORKER_COMMAND)]) == WORKER_COMMAND


def test_the_web_server_runs_with_one_configuration_everywhere(tmp_path: Path) -> None:
    (make_run,) = [spec for spec in app_processes(8000, tmp_path, 8001) if spec.name == "web"]
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    dockerfile = (REPO_ROOT / "Dockerfile").read_text().splitlines()
    image = json.loads(next(line for line in dockerfile if line.startswith("CMD "))[4:])
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "gunicorn.conf.py",
         "govsocial.wsgi:application"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pairs = (line.split(" = ", 1) for line in printed.splitlines() if " = " in line)
    settings = {name.strip(): value.strip() for name, value in pairs}

    assert "command" not in compose["services"]["web"]  # the image's own
    for argv in (make_run.argv, image):
        assert Path(argv[argv.index("-c") + 1]).name == "gunicorn.conf.py"
        assert not {"-w", "--workers", "--threads", "-k", "--worker-class"} & set(argv)
    assert settings["workers"] == str(2 * (os.cpu_count() or 1))
    assert settings["threads"] == "2"
    assert settings["worker_class"] == "gthread"


def test_each_web_server_process_loads_every_view_then_freezes_what_it_loaded() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import gc, runpy, sys, django; django.setup();"
         " runpy.run_path('gunicorn.conf.py')['post_worker_init'](None);"
         " print(gc.get_freeze_count(), 'publishing.views.calendar' in sys.modules)"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "govsocial.settings"},
    ).stdout.split()  # fmt: skip

    frozen, views_loaded = int(loaded[0]), loaded[1]
    assert frozen > 0 and views_loaded == "True"


def test_docker_compose_gives_the_owners_credentials_to_migrations_alone() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())

    holders = {
        name
        for name, service in compose["services"].items()
        if "OWNER" in yaml.safe_dump(service.get("environment", {}))
        or "govsocial_owner" in yaml.safe_dump(service.get("command", ""))
    }

    # PostgreSQL's own container creates the roles from it.
    assert holders == {"migrate", "postgres"}
