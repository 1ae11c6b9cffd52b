"""The API answers as its schema says, for any request the schema allows and many it
does not (schemathesis, every check), with an agency admin's API key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for, uploaded_media_for

# A schema cannot say every rule: a request it allows may still be refused by one
# (a range's end before its start, a time in the past, an account the key may not
# publish to), and says so with a "refused" problem. Every other 4xx answer to such a
# request means the schema promised too much.
ACCEPTED = {401, 403, 404, 409}


@schemathesis.check
def schema_valid_data_refused_only_by_a_rule(ctx: Any, response: Any, case: Any) -> None:
    """Fail when a request the schema allows answers a 4xx that is not a rule's."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    status = response.status_code
    if status < 400 or status in ACCEPTED or status >= 500:
        return
    if status == 400 and response.json().get("type", "").endswith("/refused/"):
        return
    raise AssertionError(f"A request the schema allows was refused: {response.text[:500]}")


# Requests per operation: enough for the schema's every part to come up, few enough
# for the whole API to take a minute or two.
EXAMPLES = 25


@pytest.fixture
def web_schema(db: None) -> Iterator[Any]:
    """Return the schema the app serves, calling the app in this process on the test's
    database (whose connection the requests keep open, as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_api_answers_as_its_schema_says(web_schema: Any, personas: Personas) -> None:
    # Agency "alpha" has an account and a file to use.
    social_account_for(personas.agency_a, handle="alpha_city")
    uploaded_media_for(personas.agency_a)
    failed = []
    for found in web_schema.get_all_operations():
        operation = found.ok()
        # An admin key per operation, each well within its rate limit.
        _key, token = api_key_for(personas.agency_a)
        try:
            answers_as_described(operation, token)
        except Exception as error:  # every operation is tried; all failures are reported
            failed.append(f"{operation.label}: {error}")
    assert not failed, "\n\n".join(failed)


def answers_as_described(operation: Any, token: str) -> None:
    """Send the operation requests the schema allows and many it does not, with
    ``token``; fail on the first answer a check finds wrong."""

    @given(case=operation.as_strategy())
    # The same requests on every run: a run that fails, fails again for whoever looks.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def answers(case: Any) -> None:
        if case.path_parameters and "agency_slug" in case.path_parameters:
            # The key's own agency: any other answers 404 whatever the rest says.
            case.path_parameters["agency_slug"] = "alpha"
        if case.headers and "Idempotency-Key" in case.headers:
            # A key is for one request: the same key with another is refused (422).
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            # Replaced by the check above, which tells a rule's refusal apart.
            excluded_checks=[positive_data_acceptance],
            additional_checks=[schema_valid_data_refused_only_by_a_rule],
        )

    answers()


def _examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Yield each example of a body in ``spec`` with where it is and the body's schema."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(code, answer) for code, answer in operation.get("responses", {}).items()]
            for where, body in bodies:
                for media_type, content in body.get("content", {}).items():
                    for name, example in content.get("examples", {}).items():
                        label = f"{method.upper()} {path} {where} {media_type} {name}"
                        yield label, content["schema"], example["value"]


def test_every_example_in_the_schema_is_what_it_illustrates() -> None:
    spec = Client().get("/api/schema/", {"format": "json"}).json()
    examples = list(_examples(spec))
    assert any("request" in label for label, _schema, _value in examples)
    assert any(" 200 " in label for label, _schema, _value in examples)
    wrong = []
    for label, schema, value in examples:
        validator = jsonschema.Draft202012Validator(schema | {"components": spec["components"]})
        wrong += [f"{label}: {error.message}" for error in validator.iter_errors(value)]
    assert not wrong, "\n".join(wrong)
