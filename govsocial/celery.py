"""The Celery application: a broker for "do it now" work; schedules live in PostgreSQL."""

import os

from celery import Celery
from celery.signals import worker_ready

from govsocial.memory import loaded_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")
# Django's system checks run with every migration (each ``make run`` and deployment);
# a worker repeating them at start would only delay the tasks of one that restarts.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("govsocial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _loaded_freeze(**_signal: object) -> None:
    """Once a worker has loaded its tasks, leave all it loaded out of the garbage
    collector's passes (``loaded_freeze``)."""
    loaded_freeze()
