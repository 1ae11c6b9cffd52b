"""The project package as an app: its management commands and the tenant wiring."""

from django.apps import AppConfig


class GovsocialConfig(AppConfig):
    """Install the tenant setting on every database connection."""

    name = "govsocial"

    def ready(self) -> None:
        from govsocial import (  # noqa: F401  (connect the connection signal, register checks)
            checks,
            tenancy,
        )
