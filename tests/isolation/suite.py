"""The isolation suite: inherited once for every agency endpoint, page or API.

A subclass names its URL and says how to build it for an object of agency A. The
suite then checks that A's member is let in, that B's admin gets 404 for every
method (exactly as for something that does not exist), and that a stranger who is
not signed in reaches nothing.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from django.test import Client

from tests.conftest import Personas

COVERED_URL_NAMES: set[str] = set()


class IsolationSuite:
    url_name: ClassVar[str]
    methods: ClassVar[tuple[str, ...]] = ("get",)
    anonymous_statuses: ClassVar[set[int]] = {302}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "url_name" in cls.__dict__:
            COVERED_URL_NAMES.add(cls.url_name)

    def url(self, personas: Personas) -> str:
        raise NotImplementedError

    @pytest.mark.django_db
    def test_a_member_of_the_agency_is_let_in(self, personas: Personas) -> None:
        client = personas.client_for(personas.admin_a)
        response = getattr(client, self.methods[0])(self.url(personas))
        assert response.status_code not in {401, 403, 404}, response.content[:300]

    @pytest.mark.django_db
    def test_another_agencys_admin_gets_not_found(self, personas: Personas) -> None:
        client = personas.client_for(personas.admin_b)
        url = self.url(personas)
        for method in self.methods:
            response = getattr(client, method)(url)
            assert response.status_code == 404, (method, response.status_code)

    @pytest.mark.django_db
    def test_someone_not_signed_in_reaches_nothing(self, personas: Personas) -> None:
        url = self.url(personas)
        for method in self.methods:
            response = getattr(Client(), method)(url)
            assert response.status_code in self.anonymous_statuses, (method, response.status_code)
