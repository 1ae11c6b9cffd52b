"""One worker configuration: `make run`, docker-compose.yml, the tests and the
benchmarks start the delivery workers with the same command; and in docker-compose.yml,
as in `make run`, only migrations hold the tables' owner's credentials."""

from __future__ import annotations

import os

import yaml

from govsocial.launch.commands import WORKER_COMMAND, worker_processes
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
