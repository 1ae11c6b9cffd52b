"""Pages: the agency's network accounts, connecting them through the networks'
authorisation, their health and pictures, and who may publish to them."""

from __future__ import annotations

import secrets
import time
from typing import Any, cast
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.models import Role
from govsocial.errors import GovsocialError
from govsocial.timezones import render_local
from publishing import selectors, services
from publishing.forms import BlueskyConnectForm, PublishersForm
from publishing.models import SocialAccount
from publishing.networks.base import (
    AccountConnector,
    ConnectableAccount,
    Network,
    NetworkError,
    PasswordConnector,
    pkce_challenge,
)
from publishing.networks.registry import connector_for, network_settings

# Networks connected through OAuth; Instagram accounts arrive with their Facebook page.
OAUTH_NETWORKS = (Network.X, Network.FACEBOOK, Network.MASTODON)
# Authorisations in progress, by OAuth state, in the person's session.
PENDING = "network_connect"
PENDING_LIFETIME_SECONDS = 15 * 60


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.membership.has_role(Role.ADMIN))  # type: ignore[attr-defined]


def _list_url(request: HttpRequest) -> str:
    return reverse("account_list", kwargs={"agency_slug": request.agency.slug})  # type: ignore[attr-defined]


def _account(request: HttpRequest, account_id: int) -> SocialAccount:
    account = selectors.social_account_get(account_id=account_id)
    if account is None:
        raise Http404
    return account


@require_GET
def account_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's network accounts and their health; admins connect more."""
    return _render_list(request, BlueskyConnectForm())


def _render_list(request: HttpRequest, bluesky_form: BlueskyConnectForm) -> HttpResponse:
    context = {
        "accounts": selectors.social_account_list(),
        "is_admin": _is_admin(request),
        "oauth_networks": [(n.value, _network_label(n)) for n in OAUTH_NETWORKS],
        "bluesky_form": bluesky_form,
    }
    response = render_local(
        request,
        "publishing/socialaccount_list.html",
        context,
        status=400 if bluesky_form.errors else 200,
    )
    # The connect buttons post here and are redirected on to the network, which the
    # browser allows only to the origins the page's form-action names.
    response._csp_update = {"form-action": _authorisation_origins()}  # type: ignore[attr-defined]
    return response


def _authorisation_origins() -> list[str]:
    """Return the origins of the OAuth networks' authorisation pages."""
    origins = set()
    for network in OAUTH_NETWORKS:
        configured = network_settings(network)
        url = urlsplit(configured.authorize_url or configured.api_url)
        origins.add(f"{url.scheme}://{url.netloc}")
    return sorted(origins)


def _network_label(network: Network) -> str:
    if network == Network.FACEBOOK:
        return _("Facebook and Instagram")
    return network.value.capitalize()


@require_safe
def account_picture(
    request: HttpRequest, agency_slug: str, account_id: int, digest: str
) -> HttpResponse:
    """Send an account's picture to a member of its agency. Its address names the
    picture (a new one has a new address), so the browser keeps it."""
    png = selectors.account_picture_png(account_id=account_id, digest=digest)
    if png is None:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    # Members only: no shared cache may keep it.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@require_POST
def account_connect_start(request: HttpRequest, agency_slug: str, network: str) -> HttpResponse:
    """Send an admin to the network's page to authorise govsocial (OAuth 2.0 with PKCE)."""
    if not _is_admin(request):
        messages.error(request, _("Only an agency admin can connect network accounts."))
        return redirect(_list_url(request))
    if network not in OAUTH_NETWORKS:
        raise Http404
    connector = cast(AccountConnector, connector_for(network))  # an OAuth network
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    now = time.time()
    pending = {
        key: value
        for key, value in request.session.get(PENDING, {}).items()
        if value["at"] > now - PENDING_LIFETIME_SECONDS
    }
    pending[state] = {"agency": agency_slug, "network": network, "verifier": verifier, "at": now}
    request.session[PENDING] = pending
    try:
        url = connector.authorize_url(
            redirect_uri=_callback_uri(request, network),
            state=state,
            code_challenge=pkce_challenge(verifier),
        )
    except NetworkError as error:
        messages.error(request, error.reason)
        return redirect(_list_url(request))
    return redirect(url)


def _callback_uri(request: HttpRequest, network: str) -> str:
    return request.build_absolute_uri(reverse("network_callback", kwargs={"network": network}))


@login_required
@require_GET
def network_callback(request: HttpRequest, network: str) -> HttpResponse:
    """Receive the network's answer (one fixed address per network) and hand it to the
    agency whose admin started the authorisation, where the agency is bound."""
    state = request.GET.get("state", "")
    pending = request.session.get(PENDING, {})
    started = pending.get(state)
    if started is None or started["network"] != network:
        messages.error(
            request,
            _("This authorisation was not started here or has expired. Start again."),
        )
        return redirect("home")
    started["code"] = request.GET.get("code", "")
    started["error"] = request.GET.get("error_description") or request.GET.get("error", "")
    request.session[PENDING] = pending
    finish = reverse("account_connect_finish", kwargs={"agency_slug": started["agency"]})
    return redirect(f"{finish}?state={state}")


@require_GET
def account_connect_finish(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Exchange the network's code for tokens and store the accounts it gives access to."""
    pending = request.session.get(PENDING, {})
    started = pending.pop(request.GET.get("state", ""), None)
    request.session[PENDING] = pending
    if started is None or started["agency"] != agency_slug or not _is_admin(request):
        messages.error(
            request,
            _("This authorisation was not started here or has expired. Start again."),
        )
        return redirect(_list_url(request))
    network = Network(started["network"])
    if not started.get("code"):
        messages.error(
            request,
            _("%(network)s did not authorise govsocial: %(reason)s")
            % {
                "network": _network_label(network),
                "reason": started.get("error") or _("no reason given"),
            },
        )
        return redirect(_list_url(request))
    connector = cast(AccountConnector, connector_for(network))  # an OAuth network
    try:
        grants = connector.connect(
            code=started["code"],
            redirect_uri=_callback_uri(request, network),
            code_verifier=started["verifier"],
        )
    except NetworkError as error:
        messages.error(request, error.reason)
        return redirect(_list_url(request))
    _store(request, grants, network)
    return redirect(_list_url(request))


@require_POST
def account_connect_bluesky(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Connect a Bluesky account with its handle and an app password (never stored)."""
    if not _is_admin(request):
        messages.error(request, _("Only an agency admin can connect network accounts."))
        return redirect(_list_url(request))
    form = BlueskyConnectForm(request.POST)
    if form.is_valid():
        connector = cast(PasswordConnector, connector_for(Network.BLUESKY))
        try:
            grant = connector.sign_in(
                identifier=form.cleaned_data["identifier"],
                app_password=form.cleaned_data["app_password"],
            )
        except NetworkError as error:
            form.add_error(None, error.reason)
        else:
            _store(request, [grant], Network.BLUESKY)
            return redirect(_list_url(request))
    return _render_list(request, form)


def _store(request: HttpRequest, grants: list[ConnectableAccount], network: Network) -> None:
    """Connect every account of the grant and say what happened."""
    if not grants:
        messages.warning(
            request,
            _("%(network)s gave access to no account that govsocial can publish to.")
            % {"network": _network_label(network)},
        )
    for grant in grants:
        try:
            account, created = services.account_connect(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=request.user,  # type: ignore[arg-type]
                grant=grant,
            )
        except GovsocialError as error:
            messages.error(request, error.message)
            continue
        text = _("%(account)s is connected.") if created else _("%(account)s is reconnected.")
        messages.success(request, text % {"account": account})


@require_POST
def account_disconnect(request: HttpRequest, agency_slug: str, account_id: int) -> HttpResponse:
    """Disconnect an account: its tokens are forgotten and it publishes nothing more."""
    account = _account(request, account_id)
    try:
        services.account_disconnect(account=account, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(account)s is disconnected.") % {"account": account})
    return redirect(_list_url(request))


@require_POST
def account_check(request: HttpRequest, agency_slug: str, account_id: int) -> HttpResponse:
    """Check an account's health now rather than at the next periodic check."""
    account = services.account_health_check(account=_account(request, account_id))
    messages.info(
        request,
        _("%(account)s: %(health)s.")
        % {"account": account, "health": account.get_health_display()},
    )
    return redirect(_list_url(request))


@require_http_methods(["GET", "POST"])
def account_publishers(request: HttpRequest, agency_slug: str, account_id: int) -> HttpResponse:
    """Show who may publish to an account; admins choose the members and API keys."""
    account = _account(request, account_id)
    members = selectors.delegable_members(account=account)
    keys = selectors.delegable_keys(account=account)
    chosen = selectors.account_publisher_ids(account=account)
    chosen_keys = selectors.account_publisher_key_ids(account=account)
    initial = {
        "members": [m.pk for m in members if m.user_id in chosen],
        "api_keys": [key.pk for key in keys if key.pk in chosen_keys],
    }
    # Unticking every box posts no field at all: the form is still bound.
    data = request.POST if request.method == "POST" else None
    form = PublishersForm(data, initial=initial, members=members, api_keys=keys)
    is_admin = _is_admin(request)
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can choose who publishes."))
        elif form.is_valid():
            services.account_publishers_set(
                account=account,
                actor=request.user,  # type: ignore[arg-type]
                members=form.chosen(),
                api_keys=form.chosen_keys(),
            )
            messages.success(request, _("Publishers of %(account)s saved.") % {"account": account})
            return redirect(_list_url(request))
    context: dict[str, Any] = {"account": account, "form": form, "is_admin": is_admin}
    return render(request, "publishing/socialaccount_publishers.html", context)
