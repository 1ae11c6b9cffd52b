"""Every error of the API is a problem document (RFC 9457) in the caller's language,
never a server error page: the reproductions integrators sent, one test each."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsocial.tenancy import agency_scope
from publishing.models import Post
from publishing.networks.limits import TEXT_LONGEST
from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for, uploaded_media_for

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 100


def key_client(personas: Personas, **headers: str) -> Client:
    _key, token = api_key_for(personas.agency_a)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False, **headers)


def problem(response: Any, status: int) -> dict[str, Any]:
    """Return the body of ``response``, checked to be a problem of ``status``."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("http://testserver/api/problems/")
    assert body["title"] and body["detail"]
    assert body["instance"] == response.wsgi_request.path
    assert "Traceback" not in response.content.decode()
    return body


def posts_url() -> str:
    return reverse("post-list", args=["alpha"])


def a_draft(personas: Personas, client: Client) -> dict[str, Any]:
    x = social_account_for(personas.agency_a, handle="alpha_city")
    made = client.post(
        posts_url(), {"text": "Pools open.", "accounts": [x.pk]}, content_type="application/json"
    )
    assert made.status_code == 201
    return dict(made.json())


def test_invalid_fields_are_listed_each_with_its_pointer(personas: Personas) -> None:
    client = key_client(personas)
    refused = client.post(
        posts_url(),
        {"text": ["a"], "accounts": ["x"], "media": [{"asset": "a"}]},
        content_type="application/json",
    )
    body = problem(refused, 400)
    assert body["type"].endswith("/invalid-request/")
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"/text", "/accounts/0", "/media/0/asset"}


def test_a_domain_refusal_names_its_field(personas: Personas) -> None:
    client = key_client(personas)
    refused = client.post(
        posts_url(), {"text": "Hi", "link": "not a link"}, content_type="application/json"
    )
    body = problem(refused, 400)
    assert body["type"].endswith("/refused/")
    assert body["errors"] == [{"pointer": "/link", "detail": body["detail"]}]


def test_a_moment_no_year_can_hold_is_refused_by_a_rule(personas: Personas) -> None:
    # Year 1 at three hours ahead of UTC is in year 0 in UTC: valid by the schema.
    refused = key_client(personas).post(
        reverse("pause-list", args=["alpha"]),
        {"reason": "Storm", "until": "0001-01-01T01:00:00+03:00", "account_ids": []},
        content_type="application/json",
    )

    body = problem(refused, 400)
    assert body["type"].endswith("/refused/")
    assert [error["pointer"] for error in body["errors"]] == ["/until"]


def test_patching_a_member_with_nothing_changes_nothing_and_takes_an_admin(
    personas: Personas,
) -> None:
    url = reverse("member-detail", args=["alpha", personas.author_a.pk])
    unchanged = key_client(personas).patch(url, {}, content_type="application/json")
    assert unchanged.status_code == 200, unchanged.content
    assert unchanged.json()["roles"] == list(personas.author_a.roles)
    author = personas.client_for(personas.author_a)
    problem(author.patch(url, {}, content_type="application/json"), 403)


def test_a_posts_files_change_through_patch_with_the_same_rules(personas: Personas) -> None:
    client = key_client(personas)
    post = a_draft(personas, client)
    asset = uploaded_media_for(personas.agency_a, data=PNG)
    url = reverse("post-detail", args=["alpha", post["id"]])

    changed = client.patch(url, {"media": [{"asset": asset.pk}]}, content_type="application/json")

    assert changed.status_code == 200, changed.content
    assert [m["alt_text"] for m in changed.json()["media"]] == ["Map of the closed streets."]
    assert changed.json()["text"] == "Pools open."
    refused = client.patch(url, {"media": [{"alt_text": "x"}]}, content_type="application/json")
    assert [e["pointer"] for e in problem(refused, 400)["errors"]] == ["/media/0/asset"]


@pytest.mark.parametrize("name", ["post-list", "calendar-list", "calendar-csv"])
@pytest.mark.parametrize("query", ["campaign=%00", "status=%00", "x%00=1", "account=%C2%B2"])
def test_a_bad_query_parameter_is_named_never_a_server_error(
    personas: Personas, name: str, query: str
) -> None:
    client = key_client(personas)
    url = reverse(name, args=["alpha"]) + "?start=2030-01-01T00:00:00Z&end=2030-02-01T00:00:00Z"
    body = problem(client.get(f"{url}&{query}"), 400)
    assert "parameter" in body["errors"][0]


@pytest.mark.parametrize("page_size", ["0", "201", "-1", "ten", "1.5", "²"])
def test_a_page_size_out_of_range_is_refused_not_ignored(
    personas: Personas, page_size: str
) -> None:
    body = problem(key_client(personas).get(f"{posts_url()}?page_size={page_size}"), 400)
    assert body["errors"] == [{"parameter": "page_size", "detail": body["errors"][0]["detail"]}]
    assert "1 to 200" in body["errors"][0]["detail"]


def test_a_body_nested_ten_thousand_deep_is_malformed_not_a_crash(personas: Personas) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    refused = key_client(personas).post(posts_url(), deep, content_type="application/json")
    body = problem(refused, 400)
    assert body["type"].endswith("/malformed-request/")
    assert body["detail"] == "The request body is nested too deeply."


def test_malformed_json_says_where_not_how_the_parser_failed(personas: Personas) -> None:
    refused = key_client(personas).post(posts_url(), '{"text": ', content_type="application/json")
    assert (
        problem(refused, 400)["detail"] == "The request body is not valid JSON (line 1, column 10)."
    )


def test_a_nul_character_in_a_body_is_refused(personas: Personas) -> None:
    refused = key_client(personas).post(
        posts_url(), {"text": "a\u0000b"}, content_type="application/json"
    )
    problem(refused, 400)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_too_large_is_413(personas: Personas) -> None:
    refused = key_client(personas).post(
        posts_url(), {"text": "x" * 2000}, content_type="application/json"
    )
    assert problem(refused, 413)["type"].endswith("/too-large/")


def test_a_text_longer_than_any_network_takes_is_refused(personas: Personas) -> None:
    refused = key_client(personas).post(
        posts_url(), {"text": "x" * (TEXT_LONGEST + 1)}, content_type="application/json"
    )
    assert [e["pointer"] for e in problem(refused, 400)["errors"]] == ["/text"]
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()


def test_an_unknown_api_path_is_a_problem_and_the_pages_keep_theirs(personas: Personas) -> None:
    client = key_client(personas)
    problem(client.get("/api/nothing-here/"), 404)
    page = personas.client_for(personas.admin_a).get("/nothing-here/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_post_without_its_final_slash_is_not_redirected(personas: Personas) -> None:
    client = key_client(personas)
    refused = client.post(posts_url().rstrip("/"), {"text": "Hi"}, content_type="application/json")
    assert "end with a slash" in problem(refused, 404)["detail"]
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()


def test_authentication_and_method_problems_keep_their_headers(personas: Personas) -> None:
    anonymous = Client(raise_request_exception=False)
    unauthenticated = anonymous.get(posts_url(), HTTP_AUTHORIZATION="Bearer nonsense")
    problem(unauthenticated, 401)
    assert unauthenticated["WWW-Authenticate"].startswith("Bearer")
    not_allowed = key_client(personas).delete(posts_url())
    problem(not_allowed, 405)
    assert "GET" in not_allowed["Allow"]


def test_problems_speak_french_to_whoever_asks(personas: Personas) -> None:
    client = key_client(personas, HTTP_ACCEPT_LANGUAGE="fr")
    body = problem(client.get(f"{posts_url()}?page_size=0"), 400)
    assert body["title"] == "Votre requête comporte des champs non valides."
    assert "de 1 à 200" in body["errors"][0]["detail"]


def test_a_server_error_is_a_problem_without_its_inner_workings(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("publishing.selectors.post_rows", broken)
    failed = key_client(personas).get(posts_url())
    body = problem(failed, 500)
    assert "secret internals" not in failed.content.decode()
    assert body["type"].endswith("/server-error/")


def test_each_problem_type_is_described_where_its_type_points(personas: Personas) -> None:
    body = problem(key_client(personas).get(f"{posts_url()}?page_size=0"), 400)
    described = Client().get(body["type"].removeprefix("http://testserver"))
    assert described.status_code == 200
    assert described.json()["status"] == 400


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
POST_FIELDS = ["text", "link", "language", "campaign", "accounts", "variants", "media"]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.dictionaries(st.sampled_from([*POST_FIELDS, "first_comments"]), JSON_VALUES))
def test_no_post_body_makes_a_server_error(personas: Personas, body: dict[str, Any]) -> None:
    answer = key_client(personas).post(posts_url(), body, content_type="application/json")
    assert answer.status_code < 500, answer.content[:300]
    if answer.status_code >= 400:
        problem(answer, answer.status_code)


@pytest.mark.parametrize("post_id", ["99999999999999999999", "0"])
def test_an_id_out_of_range_is_not_found(personas: Personas, post_id: str) -> None:
    problem(key_client(personas).get(f"{posts_url()}{post_id}/"), 404)


def test_text_that_is_not_unicode_is_malformed_not_a_crash(personas: Personas) -> None:
    refused = key_client(personas).post(
        posts_url(), '{"text": "a\\ud800b"}', content_type="application/json"
    )
    assert (
        problem(refused, 400)["detail"] == "The request body holds text that is not valid Unicode."
    )


def test_a_time_with_any_offset_iso_allows_is_read(personas: Personas) -> None:
    client = key_client(personas)
    url = reverse("calendar-list", args=["alpha"])
    listed = client.get(url, {"start": "2030-01-01T00:00:00+19:00", "end": "2030-01-02T00:00Z"})
    assert listed.status_code == 200, listed.content
