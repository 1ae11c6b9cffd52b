"""Factories for tests: agencies, people and memberships, created in their agency's scope."""

from __future__ import annotations

from typing import Any

import factory

from accounts.models import Agency, Membership, Role, User
from govsocial.tenancy import agency_scope

PASSWORD = "correct horse battery staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    time_zone = "America/Toronto"
    languages = factory.LazyFunction(lambda: ["en", "fr"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.gov")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [Role.AUTHOR])

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        with agency_scope(kwargs["agency"].pk):
            return super()._create(model_class, *args, **kwargs)
