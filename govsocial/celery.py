"""The Celery application: a broker for "do it now" work; schedules live in PostgreSQL."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

app = Celery("govsocial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
