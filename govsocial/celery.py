"""The Celery application: a broker for "do it now" work; schedules live in PostgreSQL."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")
# Django's system checks run with every migration (each ``make run`` and deployment);
# a worker repeating them at start would only delay the tasks of one that restarts.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("govsocial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
