"""Dashboard middleware: bind the URL's agency for its members; end stale sessions."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.handlers.exception import response_for_exception
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware import common
from django.shortcuts import redirect
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from accounts.policy import (
    LAST_SEEN_AT,
    SIGNED_IN_AT,
    second_factor_gap,
    session_limits,
    session_start,
)
from accounts.selectors import agency_get_active, membership_for, memberships_of_user
from govsocial.api.problems import is_api
from govsocial.tenancy import agency_scope, user_scope


def open_by_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that non-members reach with a token the view checks itself (an
    invitation, a shared file's link). The URL's agency is bound all the same, so the
    view reads only that agency's rows."""
    view.open_by_token = True  # type: ignore[attr-defined]
    return view


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that an API address without its final slash is not
    redirected: a client following the redirect would turn a POST into a GET. It gets
    a 404 problem saying that the slash is missing."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not is_api(request) and super().should_redirect_with_slash(request)


# The methods that only read: an agency's pages run them in one transaction.
READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Route:
    """What a request's address names: the view it resolves to (None: no page), the
    agency's slug in it, and whether the API serves it."""

    match: ResolverMatch | None
    agency_slug: str | None
    is_api: bool

    @classmethod
    def of(cls, request: HttpRequest) -> Route:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return cls(None, None, False)
        view_class = getattr(match.func, "cls", None)
        api = isinstance(view_class, type) and issubclass(view_class, APIView)
        return cls(match, match.kwargs.get("agency_slug"), api)


class PageReadMiddleware:
    """Read an agency's page in one transaction, from its session on: one snapshot, and
    the scope set at its changes rather than in a transaction of its own around each
    query (four round trips each, where a page makes a dozen queries, the session, the
    person and their memberships among them). The API's reads do the same in their base
    viewset. The address is resolved once here, for ``AgencyScopeMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = request.route = Route.of(request)  # type: ignore[attr-defined]
        if request.method in READS and route.agency_slug is not None and not route.is_api:
            with transaction.atomic():
                return self.get_response(request)
        return self.get_response(request)


class AgencyScopeMiddleware:
    """Bind the URL's ``agency_slug`` for its members; everyone else gets 404, except
    on views marked ``open_by_token``, which anyone reaches with the agency bound and
    which answer 404 themselves unless the token is good.

    A member who lacks the second factor the agency's policy asks for is sent to set
    it up (or to confirm with it) before seeing anything of the agency. API views bind
    in the API base viewset instead, after their own authentication.
    Pages without an agency in the URL are bound to the signed-in user only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.agency = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        route: Route = request.route  # type: ignore[attr-defined]
        match, slug = route.match, route.agency_slug
        user = request.user
        user_id = user.pk if user.is_authenticated else None
        if slug is None or route.is_api:
            with user_scope(user_id) if user_id else nullcontext():
                return self.get_response(request)
        open_view = getattr(match.func, "open_by_token", False) if match else False
        if user_id is None and not open_view:
            return redirect_to_login(request.get_full_path())
        # A member's membership and agency are among those the session check read (active,
        # in an active agency): the same rows the two queries below would read.
        known = next(
            (m for m in getattr(request, "user_memberships", ()) if m.agency.slug == slug), None
        )
        agency = known.agency if known is not None else agency_get_active(slug=slug)
        if agency is None:
            with user_scope(user_id) if user_id else nullcontext():
                return response_for_exception(request, Http404())
        with agency_scope(agency.pk, user_id=user_id):
            membership = known
            if membership is not None:
                membership.user = user
            elif user_id:
                membership = membership_for(agency=agency, user=user)  # type: ignore[arg-type]
            if membership is None and not open_view:
                # Not a member looks exactly like "no such agency".
                return response_for_exception(request, Http404())
            if membership is not None:
                gap = second_factor_gap(
                    agency=agency,
                    user=membership.user,
                    authentication_records=get_authentication_records(request, user),
                )
                if gap is not None:
                    messages.warning(request, str(gap.message))
                    return redirect(f"{gap.url}?{urlencode({'next': request.get_full_path()})}")
            request.agency = agency  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            if membership is not None and request.session.get("agency_slug") != agency.slug:
                request.session["agency_slug"] = agency.slug
            return self.get_response(request)


class SessionLimitMiddleware:
    """End a session idle past the agencies' limit, or older than their lifetime."""

    # Saving the session on every request would write to the database each time.
    SEEN_GRANULARITY_SECONDS = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            if SIGNED_IN_AT not in session:
                session_start(session, at=now)
            signed_in_at, last_seen_at = session[SIGNED_IN_AT], session[LAST_SEEN_AT]
            with user_scope(user.pk):
                memberships = memberships_of_user(user=user)
            # Read once a request: the layout's agency switcher lists them too.
            request.user_memberships = memberships  # type: ignore[attr-defined]
            limits = session_limits(memberships=memberships)
            if (
                now - last_seen_at > limits.idle_seconds
                or now - signed_in_at > limits.lifetime_seconds
            ):
                logout(request)
                messages.info(request, _("You were signed out to keep your account safe."))
                return redirect_to_login(request.get_full_path())
            if now - last_seen_at >= self.SEEN_GRANULARITY_SECONDS:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)
