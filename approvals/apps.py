from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"

    def ready(self) -> None:
        from approvals import (
            overview,  # noqa: F401  (its parts of the agency overview)
            signals,  # noqa: F401  (a new account follows its chain)
        )
