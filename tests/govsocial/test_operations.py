"""Operating the app: health check, production settings, static files, Celery safety."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from govsocial.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_check_answers_when_postgresql_and_redis_answer() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"postgresql": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_health_check_fails_when_redis_does_not_answer() -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"postgresql": "ok", "redis": "unavailable"}


def test_deploy_check_is_clean_under_production_settings() -> None:
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        "DEBUG": "0",
        "GOVSOCIAL_HTTPS": "1",
        "ALLOWED_HOSTS": "social.example.gov",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_static_files_collect_with_their_manifest(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "STATIC_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/uswds-3.14.0/css/uswds.min.css" in manifest
    assert "vendor/htmx-2.0.11/htmx.min.js" in manifest


def test_celery_never_loses_a_task_to_a_dying_worker() -> None:
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_url == settings.REDIS_URL
    assert not conf.task_always_eager
