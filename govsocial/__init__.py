"""govsocial: social media publishing, approvals, inbox and records archive for agencies."""

from govsocial.celery import app as celery_app

__all__ = ["celery_app"]
