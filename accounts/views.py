"""Pages: home, the agency overview, members, invitations, the agency switcher, and a
person's own settings."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.utils import get_next_redirect_url, perform_login
from allauth.account.views import LoginView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services, sign_on
from accounts.forms import (
    AgencySwitchForm,
    ApiKeyForm,
    InvitationForm,
    JoinForm,
    PersonalSettingsForm,
    RolesForm,
    SecurityPolicyForm,
    SignOnForm,
    SignOnRouteForm,
)
from accounts.models import Role, User
from govsocial.errors import GovsocialError
from govsocial.middleware import open_by_token
from govsocial.overview import Part, overview
from govsocial.timezones import render_local, zone_of


def _members_url(request: HttpRequest) -> str:
    return reverse("members", kwargs={"agency_slug": request.agency.slug})  # type: ignore[attr-defined]


class SignInView(LoginView):
    """The sign-in page; “Continue with single sign-on” sends a person to their
    agency's identity provider, chosen by the domain of the email address."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "single_sign_on" not in request.POST:
            return super().post(request, *args, **kwargs)
        route_form = SignOnRouteForm({"login": request.POST.get("login", "")})
        if route_form.is_valid():
            route = sign_on.route_for_email(route_form.cleaned_data["login"])
            if route is not None:
                return sign_on.start(request, route, next_url=get_next_redirect_url(request))
            route_form.add_error("login", route_form.no_sign_on_message())
        form = self.get_form_class()(initial={"login": route_form.data["login"]}, request=request)
        context = self.get_context_data(form=form, route_form=route_form)
        return self.render_to_response(context, status=400)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send the person to the agency they used last, or their first one."""
    memberships = selectors.memberships_of_user(user=request.user)  # type: ignore[arg-type]
    if not memberships:
        return render(request, "accounts/home_no_agency.html")
    last = request.session.get("agency_slug")
    slugs = [m.agency.slug for m in memberships]
    slug = last if last in slugs else slugs[0]
    return redirect("agency_home", agency_slug=slug)


@login_required
@require_GET
def agency_switch(request: HttpRequest) -> HttpResponse:
    """Open the agency chosen in the switcher."""
    form = AgencySwitchForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose an agency."))
        return redirect("home")
    return redirect("agency_home", agency_slug=form.cleaned_data["agency"])


@login_required
@require_http_methods(["GET", "POST"])
def user_settings(request: HttpRequest) -> HttpResponse:
    """Let the signed-in person choose the time zone they read and enter times in."""
    user: User = request.user  # type: ignore[assignment]
    memberships = selectors.memberships_of_user(user=user)
    agency_zones = sorted({membership.agency.time_zone for membership in memberships})
    form = PersonalSettingsForm(
        request.POST or None, initial={"time_zone": user.time_zone}, agency_zones=agency_zones
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.user_time_zone_change(
                    user=user, time_zone=form.cleaned_data["time_zone"]
                )
            except GovsocialError as error:
                form.add_error("time_zone", error.message)
            else:
                messages.success(
                    request,
                    _("Times are now shown in %(zone)s.") % {"zone": changed.time_zone}
                    if changed.time_zone
                    else _("Times are now shown in your agency's time zone."),
                )
                return redirect("user_settings")
        status = 400
    return render(request, "accounts/user_settings.html", {"form": form}, status=status)


@require_GET
def agency_home(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency overview, per person: what needs them now and what goes out today
    and this week, in their zone. The page asks again every half minute with what it
    shows (``seen``): nothing comes back unless something changed, and a change in how
    many things wait for the viewer is told to screen readers."""
    zone = zone_of(request)
    with timezone.override(zone):
        shown = overview(request)
        needs = [_part_html(request, part) for part in shown.needs]
        ahead = [_part_html(request, part) for part in shown.ahead]
    seen = hashlib.sha256("".join(needs + ahead).encode()).hexdigest()[:16]
    if request.GET.get("seen") == seen:
        return HttpResponse(status=204)
    told = request.GET.get("told", "")
    context = {
        "needs": needs,
        "ahead": ahead,
        "waiting": shown.waiting,
        "seen": seen,
        "changed": told.isdigit() and int(told) != shown.waiting,
    }
    return render_local(request, "accounts/agency_home.html", context)


def _part_html(request: HttpRequest, part: Part) -> str:
    # Without the request: the page's context processors ran once for the page, and a
    # part needs only its own context and the agency.
    context = part.context | {"current_agency": request.agency}  # type: ignore[attr-defined]
    return render_to_string(part.template, context)


@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the agency's members and open invitations; admins invite from here."""
    agency = request.agency  # type: ignore[attr-defined]
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    form = InvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can manage members."))
            return redirect(_members_url(request))
        if form.is_valid():
            try:
                invitation, _token = services.invitation_create(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    email=form.cleaned_data["email"],
                    roles=form.cleaned_data["roles"],
                )
            except GovsocialError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect(_members_url(request))
        status = 400
    context: dict[str, Any] = {
        "members": selectors.member_list(agency=agency),
        "invitations": selectors.invitation_list_open(agency=agency) if is_admin else [],
        "form": form if is_admin else None,
        "is_admin": is_admin,
    }
    return render(request, "accounts/membership_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, agency_slug: str, membership_id: int) -> HttpResponse:
    """Change a member's roles, or deactivate them (admins only)."""
    agency = request.agency  # type: ignore[attr-defined]
    membership = selectors.member_get(agency=agency, membership_id=membership_id)
    if membership is None:
        raise Http404
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    form = RolesForm(request.POST or None, initial={"roles": membership.roles})
    status = 200
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can manage members."))
            return redirect(_members_url(request))
        try:
            if "deactivate" in request.POST:
                services.membership_deactivate(membership=membership, actor=request.user)  # type: ignore[arg-type]
                messages.success(
                    request, _("%(name)s was deactivated.") % {"name": membership.user}
                )
                return redirect(_members_url(request))
            if form.is_valid():
                services.membership_change_roles(
                    membership=membership,
                    actor=request.user,  # type: ignore[arg-type]
                    roles=form.cleaned_data["roles"],
                )
                messages.success(request, _("Roles of %(name)s saved.") % {"name": membership.user})
                return redirect(_members_url(request))
        except GovsocialError as error:
            form.add_error(None, error.message)
        status = 400
    context = {"member": membership, "form": form, "is_admin": is_admin}
    return render(request, "accounts/membership_edit.html", context, status=status)


@require_POST
def invitation_revoke(request: HttpRequest, agency_slug: str, invitation_id: int) -> HttpResponse:
    """Withdraw an open invitation."""
    invitation = selectors.invitation_get(agency=request.agency, invitation_id=invitation_id)  # type: ignore[attr-defined]
    if invitation is None:
        raise Http404
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect(_members_url(request))


@open_by_token
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, agency_slug: str, token: str) -> HttpResponse:
    """Let the invited person join: create an account, or sign in and accept."""
    agency = request.agency  # type: ignore[attr-defined]
    invitation = selectors.invitation_by_token(agency=agency, token=token)
    if invitation is None:
        raise Http404
    context: dict[str, Any] = {"invitation": invitation, "agency": agency}
    if not invitation.is_open:
        return render(request, "accounts/invitation_closed.html", context, status=410)
    user = request.user
    has_account = user.is_authenticated or selectors.user_exists(email=invitation.email)
    form = JoinForm(request.POST or None) if not has_account else None
    if request.method == "POST":
        home = reverse("agency_home", kwargs={"agency_slug": agency.slug})
        welcome = _("Welcome to %(agency)s.") % {"agency": agency.name}
        try:
            if isinstance(user, User):
                services.invitation_accept(invitation=invitation, user=user)
            elif form is not None and form.is_valid():
                user, _membership = services.user_create_for_invitation(
                    invitation=invitation,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                )
                messages.success(request, welcome)
                # Signing in through allauth records the sign-in, so setting up two-factor
                # right after does not ask for the password again.
                return perform_login(request, user, redirect_url=home)
            else:
                context["form"] = form
                return render(request, "accounts/invitation_accept.html", context, status=400)
        except GovsocialError as error:
            if form is not None:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.error(request, error.message)
            context["form"] = form
            return render(request, "accounts/invitation_accept.html", context, status=400)
        messages.success(request, welcome)
        return redirect(home)
    context["form"] = form
    context["login_url"] = reverse("account_login") + "?next=" + request.get_full_path()
    return render(request, "accounts/invitation_accept.html", context)


@require_http_methods(["GET", "POST"])
def security_policy(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's sign-in policy; admins change it."""
    agency = request.agency  # type: ignore[attr-defined]
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    form = SecurityPolicyForm(request.POST or None, instance=agency)
    status = 200
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can change the security policy."))
            return redirect("security_policy", agency_slug=agency.slug)
        if form.is_valid():
            try:
                services.agency_policy_change(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    policy={name: form.cleaned_data[name] for name in form.Meta.fields},
                )
            except GovsocialError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Security policy saved."))
                return redirect("security_policy", agency_slug=agency.slug)
        status = 400
    context = {"form": form, "is_admin": is_admin}
    return render(request, "accounts/agency_security.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_on_settings(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's single sign-on; admins connect their identity provider."""
    agency = request.agency  # type: ignore[attr-defined]
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    saved = selectors.sign_on_get(agency=agency)
    domains = selectors.sign_on_domain_list(agency=agency)
    form = SignOnForm(request.POST or None, initial=SignOnForm.initial_from(saved, domains))
    status = 200
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can change single sign-on."))
            return redirect("sign_on_settings", agency_slug=agency.slug)
        if form.is_valid():
            data = form.cleaned_data
            # An empty secret field keeps the saved secret.
            data |= {
                "domains": data["domains"].split(),
                "client_secret": data["client_secret"] or None,
            }
            try:
                services.sign_on_configure(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    new=services.SignOnSettings(**data),
                )
            except GovsocialError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Single sign-on saved."))
                return redirect("sign_on_settings", agency_slug=agency.slug)
        status = 400
    context = {
        "form": form,
        "is_admin": is_admin,
        "saved": saved,
        "domains": domains,
        "has_secret": bool(saved and saved.client_secret),
        "oidc_redirect_uri": request.build_absolute_uri(
            reverse("openid_connect_callback", kwargs={"provider_id": agency.slug})
        ),
        "saml_acs_url": request.build_absolute_uri(reverse("saml_acs", args=[agency.slug])),
        "saml_entity_id": request.build_absolute_uri(reverse("saml_metadata", args=[agency.slug])),
    }
    return render(request, "accounts/agencysignon_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the agency's API keys; admins create one (shown once) or revoke one."""
    agency = request.agency  # type: ignore[attr-defined]
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    form = ApiKeyForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "is_admin": is_admin}
    status = 200
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can manage members."))
            return redirect("api_keys", agency_slug=agency.slug)
        if form.is_valid():
            expires_on = form.cleaned_data["expires_on"]
            try:
                key, token = services.api_key_create(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    expires_at=end_of_day(expires_on, agency.time_zone) if expires_on else None,
                )
            except GovsocialError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = 400
            else:
                context.update(new_key=key, token=token, form=ApiKeyForm())
                status = 201
        else:
            status = 400
    context["keys"] = selectors.api_key_list(agency=agency)
    return render_local(request, "accounts/apikey_list.html", context, status=status)


@require_POST
def api_key_revoke(request: HttpRequest, agency_slug: str, key_pk: int) -> HttpResponse:
    """Revoke an API key at once."""
    key = selectors.api_key_get(agency=request.agency, key_pk=key_pk)  # type: ignore[attr-defined]
    if key is None:
        raise Http404
    try:
        services.api_key_revoke(key=key, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The key “%(name)s” was revoked.") % {"name": key.name})
    return redirect("api_keys", agency_slug=request.agency.slug)  # type: ignore[attr-defined]


def end_of_day(day: date, time_zone: str) -> datetime:
    """Return the moment ``day`` ends in ``time_zone`` (its next midnight)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(time_zone))
