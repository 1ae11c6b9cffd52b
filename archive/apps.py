from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"

    def ready(self) -> None:
        from archive import overview  # noqa: F401  (its parts of the agency overview)
