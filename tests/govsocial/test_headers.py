"""Security headers and cookies, as a browser receives them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Personas

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_pages_forbid_inline_code_framing_and_sniffing(personas: Personas) -> None:
    response = personas.client_for(personas.author_a).get(reverse("members", args=["alpha"]))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    for url in (
        reverse("agency_home", args=["alpha"]),
        reverse("members", args=["alpha"]),
        reverse("member_edit", args=["alpha", personas.author_a.pk]),
        reverse("mfa_index"),
        reverse("api-docs"),
    ):
        html = client.get(url).content.decode()
        assert "<script>" not in html, url
        assert " style=" not in html, url
        assert "<style" not in html, url
        assert " onclick=" not in html, url


def test_the_sign_in_page_is_strict_too() -> None:
    response = Client().get(reverse("account_login"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_production_cookies_are_host_bound_and_secure() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**os.environ, "GOVSOCIAL_HTTPS": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "Lax",
        "31536000",
    ]
