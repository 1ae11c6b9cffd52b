"""The API's own classes named in ``REST_FRAMEWORK`` import whichever is loaded first.

Django runs its system checks in no fixed order, so any of them may be the first thing
a process imports; a cycle among them breaks ``migrate`` only on some runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = ("govsocial.", "accounts.", "publishing.")


def _own_class_paths(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith(OWN_PACKAGES):
            yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _own_class_paths(item)


CLASS_PATHS = sorted(
    {path for value in settings.REST_FRAMEWORK.values() for path in _own_class_paths(value)}
)


def test_the_settings_name_classes_of_the_project() -> None:
    assert "govsocial.api.pagination.Pagination" in CLASS_PATHS
    assert "govsocial.api.parsers.JSONParser" in CLASS_PATHS


@pytest.mark.parametrize("path", CLASS_PATHS)
def test_each_class_imports_first_in_a_fresh_process(path: str) -> None:
    code = (
        "import django; django.setup(); "
        "from django.utils.module_loading import import_string; "
        f"import_string({path!r})"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "govsocial.settings"
            ),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
