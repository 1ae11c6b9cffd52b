"""Base viewsets: every endpoint binds its scope before it reads anything."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from allauth.account.authentication import get_authentication_records
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.viewsets import GenericViewSet

from accounts.models import Agency, ApiKey, IdempotencyKey, User
from accounts.policy import second_factor_gap
from accounts.selectors import agency_get_active, membership_for
from accounts.services.principals import Principal, person_behind
from govsocial.api import idempotency
from govsocial.api.exceptions import InvalidParameter
from govsocial.tenancy import AgencyOwned, agency_scope, user_scope


class ApiViewSet(GenericViewSet):
    """What every endpoint checks first: query parameters PostgreSQL can take."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise InvalidParameter(name, _("A query parameter may not hold a NUL character."))
        super().initial(request, *args, **kwargs)


class UserScopedViewSet(ApiViewSet):
    """Base of endpoints about the signed-in person rather than one agency."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as self.scope_stack:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.perform_authentication(request)
        if isinstance(request.user, ApiKey):
            raise exceptions.PermissionDenied(
                _("An API key acts for one agency: use /api/agencies/{slug}/… instead.")
            )
        if request.user.is_authenticated:
            self.scope_stack.enter_context(user_scope(request.user.pk))
        super().initial(request, *args, **kwargs)


class AgencyScopedViewSet(ApiViewSet):
    """Base of every endpoint under ``/api/agencies/{agency_slug}/``.

    Binds the agency for its members and its own API keys (anyone else gets 404, as
    if it did not exist)
    and builds the queryset of ``model`` from the bound agency. Subclasses narrow it through
    ``scope_queryset``; they do not replace ``get_queryset``. A POST sent again with the
    same ``Idempotency-Key`` gets the first answer back instead of acting twice
    (``govsocial.api.idempotency``).
    """

    model: type[AgencyOwned]
    agency: Agency
    # The caller's roles in the agency (an API key's own).
    roles: frozenset[str]
    # The roles of which the caller needs one to use the endpoint at all (None: any
    # member), and what a caller without one is told.
    reader_roles: frozenset[str] | None = None
    reader_refusal: str = ""
    # The Idempotency-Key this request holds while it acts.
    idempotency_claim: IdempotencyKey | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as self.scope_stack:
            if request.method in SAFE_METHODS:
                # A read's queries in one transaction: one snapshot, and the scope set
                # once rather than in a transaction around each query (each took four
                # round trips). A key's note of its use (once a minute) holds the key's
                # row until the read ends.
                self.scope_stack.enter_context(transaction.atomic())
            response = None
            try:
                response = super().dispatch(request, *args, **kwargs)
                return response
            finally:
                if self.idempotency_claim is not None:
                    idempotency.answer(self.idempotency_claim, response)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.perform_authentication(request)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        slug = kwargs.get("agency_slug", "")
        principal = request.user
        if isinstance(principal, ApiKey):
            # A key is bound to its own agency, read with it (and active, or the key
            # would not be usable); any other looks as if it did not exist.
            if principal.agency.slug != slug:
                raise Http404
            agency = principal.agency
            self.scope_stack.enter_context(agency_scope(agency.pk))
            roles = {principal.role}
        else:
            found = agency_get_active(slug=slug)
            if found is None:
                raise Http404
            agency = found
            self.scope_stack.enter_context(agency_scope(agency.pk, user_id=principal.pk))
            membership = membership_for(agency=agency, user=principal)
            if membership is None:
                raise Http404
            gap = second_factor_gap(
                agency=agency,
                user=membership.user,
                authentication_records=get_authentication_records(request, principal),
            )
            if gap is not None:
                raise exceptions.PermissionDenied(str(gap.message))
            roles = set(membership.roles)
        self.agency, self.roles = agency, frozenset(roles)
        if self.reader_roles is not None and not self.reader_roles & roles:
            raise exceptions.PermissionDenied(self.reader_refusal)
        super().initial(request, *args, **kwargs)
        self.idempotency_claim = idempotency.claim(request, agency=agency, caller=principal)

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            # Unscoped and empty: the schema generator only inspects the model.
            return self.model.objects.unscoped().none()
        return self.scope_queryset(self.model.objects.filter(agency=self.agency))

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow the agency's rows for this endpoint (role, filters, related rows)."""
        return queryset

    def actor(self) -> Principal:
        """Return who acts: the signed-in person, or the API key."""
        # Never anonymous here: ``initial`` refused the request without a credential.
        return self.request.user  # type: ignore[return-value]

    def person(self) -> User:
        """Return the person the request's action is credited to on the rows it makes:
        the caller, or for an API key the admin who created it."""
        return person_behind(self.actor())
