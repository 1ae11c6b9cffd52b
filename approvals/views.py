"""Pages: the agency's approval chains and the chain each network account follows
(every member reads them); admins make, change and delete chains, and choose who may
publish in an emergency. Submitting a post, deciding on it, publishing it in an
emergency and reviewing that are buttons on the post's page
(``approvals_tags.post_approval``) that post here and go back there; the queue lists
the rounds and emergency reviews waiting for the viewer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role, role_labels
from accounts.selectors import member_list
from accounts.services import agency_policy_change
from approvals import comments, decisions, emergency, selectors, services
from approvals.forms import (
    TYPED,
    ApprovalChainForm,
    BaseApprovalStepFormSet,
    BlackoutForm,
    ContentRulesForm,
    ReminderForm,
    step_formset,
    step_initial,
)
from approvals.models import Approval, ApprovalChain, ApprovalState, StepRule, Verdict
from govsocial.errors import GovsocialError, form_problems
from govsocial.middleware import open_by_token
from govsocial.timezones import local_to_utc, zone_named, zone_of
from publishing.forms import ScheduleTimeForm
from publishing.models import Post, PostStatus, SocialAccount
from publishing.selectors import post_get, social_account_list

STEPS_PREFIX = "steps"


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.membership.has_role(Role.ADMIN))  # type: ignore[attr-defined]


def _chain(chain_id: int) -> ApprovalChain:
    chain = selectors.chain_get(chain_id=chain_id)
    if chain is None:
        raise Http404
    return chain


@dataclass(frozen=True)
class StepShown:
    """A step as the chains page says it: whether all or any one decide, the members
    and the people outside govsocial named (by name) and the roles (in the reader's
    language)."""

    needs_all: bool
    people: list[str]
    roles: list[str]


@dataclass(frozen=True)
class AccountRoute:
    """The chain a network account follows (None: no approval is needed), and whether
    that chain names it (else it is the agency's default)."""

    account: SocialAccount
    chain: ApprovalChain | None
    named: bool


@require_GET
def approval_chain_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's chains, their steps and accounts, and the chain each connected
    account follows, and why."""
    chains = list(selectors.chain_list())
    accounts = list(social_account_list(connected_only=True))
    followed = selectors.chain_for_accounts(account_ids=[a.pk for a in accounts]).by_account
    named = {link.account_id for chain in chains for link in chain.accounts.all()}
    routes = [AccountRoute(account=a, chain=followed[a.pk], named=a.pk in named) for a in accounts]
    shown = [
        (
            chain,
            [
                StepShown(
                    needs_all=step.rule == StepRule.ALL,
                    people=[a.user.display_name for a in step.approvers.all()]
                    + [selectors.outside_name(p["name"]) for p in step.external_approvers],
                    roles=role_labels(step.roles),
                )
                for step in chain.steps.all()
            ],
        )
        for chain in chains
    ]
    context = {
        "chains": shown,
        "routes": routes,
        "is_admin": _is_admin(request),
        "reminder_form": ReminderForm(instance=request.agency),  # type: ignore[attr-defined]
    }
    return render(request, "approvals/approvalchain_list.html", context)


@require_POST
def approval_reminders(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Change how long a round waits at a step before its approvers are reminded
    (admins only); back to the chains."""
    if not _is_admin(request):
        messages.error(request, _("Only an agency admin can change the reminders."))
        return redirect("approval_chain_list", agency_slug=agency_slug)
    form = ReminderForm(request.POST)
    if form.is_valid():
        try:
            agency_policy_change(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=request.user,  # type: ignore[arg-type]
                policy=form.cleaned_data,
            )
        except GovsocialError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Reminders saved."))
    else:
        messages.error(request, " ".join(map(str, form.errors.get("approval_reminder_hours", []))))
    return redirect("approval_chain_list", agency_slug=agency_slug)


@require_http_methods(["GET", "POST"])
def approval_chain_new(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Make an approval chain (admins only)."""
    return _chain_form(request, None)


@require_http_methods(["GET", "POST"])
def approval_chain_edit(request: HttpRequest, agency_slug: str, chain_id: int) -> HttpResponse:
    """Change an approval chain's name, accounts and steps (admins only)."""
    return _chain_form(request, _chain(chain_id))


def _chain_form(request: HttpRequest, chain: ApprovalChain | None) -> HttpResponse:
    """Show the chain's form, or save what it was sent and go back to the chains."""
    context: dict[str, Any] = {"chain": chain, "is_admin": _is_admin(request)}
    if not context["is_admin"]:
        # Read-only, as the other admins' pages are; a change sent anyway is refused.
        status = 403 if request.method == "POST" else 200
        return render(request, "approvals/approvalchain_form.html", context, status=status)
    agency = request.agency  # type: ignore[attr-defined]
    members = [m for m in member_list(agency=agency) if m.is_active]
    chains = list(selectors.chain_list())
    followed = {link.account_id: c for c in chains for link in c.accounts.all()}
    own = {link.account_id for link in chain.accounts.all()} if chain is not None else set()
    # Connected accounts, and any the chain names that has been disconnected since.
    accounts = [a for a in social_account_list() if a.disconnected_at is None or a.pk in own]
    initial: dict[str, Any] = {}
    steps_initial: list[dict[str, object]] = []
    if chain is not None:
        initial = {"name": chain.name, "is_default": chain.is_default, "accounts": sorted(own)}
        steps_initial = step_initial(list(chain.steps.all()), {m.user_id: m.pk for m in members})
    data = request.POST if request.method == "POST" else None
    form = ApprovalChainForm(
        data, initial=initial, accounts=accounts, followed=followed, chain=chain
    )
    steps = step_formset(data, initial=steps_initial, members=members, prefix=STEPS_PREFIX)
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        valid = steps.is_valid() and valid
        if valid:
            try:
                saved = services.chain_save(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    steps=steps.specs({m.pk: m.user_id for m in members}),
                    account_ids=form.cleaned_data["accounts"],
                    is_default=form.cleaned_data["is_default"],
                    chain=chain,
                )
            except GovsocialError as error:
                _show_refusal(error, form, steps)
            else:
                messages.success(
                    request, _("Approval chain “%(name)s” saved.") % {"name": saved.name}
                )
                return redirect("approval_chain_list", agency_slug=agency.slug)
        status = 400
    context |= {"form": form, "steps": steps}
    return render(request, "approvals/approvalchain_form.html", context, status=status)


def _show_refusal(
    error: GovsocialError, form: ApprovalChainForm, steps: BaseApprovalStepFormSet
) -> None:
    """Show the service's refusal where it belongs: on the step row and field it names
    (``steps.<n>[.<field>]``), on the chain's field, or above the form."""
    parts = (error.field or "").split(".")
    if parts[0] == STEPS_PREFIX and len(parts) > 1 and parts[1].isdigit():
        field = parts[2] if len(parts) > 2 else ""
        if steps.add_step_error(int(parts[1]), field, error.message):
            return
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def approval_chain_delete(request: HttpRequest, agency_slug: str, chain_id: int) -> HttpResponse:
    """Ask, then delete an approval chain (admins only)."""
    chain = _chain(chain_id)
    is_admin = _is_admin(request)
    context = {"chain": chain, "is_admin": is_admin}
    if request.method == "GET" or not is_admin:
        status = 403 if request.method == "POST" else 200
        return render(
            request, "approvals/approvalchain_confirm_delete.html", context, status=status
        )
    try:
        services.chain_delete(chain=chain, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The chain “%(name)s” is deleted. The archive keeps a record of it.")
            % {"name": chain.name},
        )
    return redirect("approval_chain_list", agency_slug=agency_slug)


def _post_page(agency_slug: str, post_id: int) -> str:
    return reverse("post_detail", kwargs={"agency_slug": agency_slug, "post_id": post_id})


@require_GET
def approval_queue(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the rounds of posts and of replies waiting for the viewer's decision, and the
    emergency posts waiting for their review, oldest first, with times in the viewer's
    zone."""
    viewer = request.user.pk
    waiting = list(selectors.approval_waiting_list(user_id=viewer))  # type: ignore[arg-type]
    replies = list(selectors.reply_approval_waiting_list(user_id=viewer))  # type: ignore[arg-type]
    zone = zone_of(request)
    with timezone.override(zone):
        reviews = list(selectors.emergency_reviews_waiting(user_id=viewer))  # type: ignore[arg-type]
        context = {
            "waiting": waiting,
            "replies": replies,
            "reviews": reviews,
            "viewer_zone": zone.key,
        }
        return render(request, "approvals/approval_queue.html", context)


@require_POST
def post_approval_submit(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Send a draft for approval through its accounts' chain; go back to the post."""
    return _on_post(
        request,
        agency_slug,
        post_id,
        lambda post: decisions.post_submit(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            at=_wanted_time(request),
            acknowledge_warnings=bool(request.POST.get("acknowledge_warnings")),
        ),
        done=_("The post is submitted: its approvers are told."),
    )


def _on_post(
    request: HttpRequest,
    agency_slug: str,
    post_id: int,
    act: Callable[[Post], object],
    *,
    done: str,
    keep: tuple[str, ...] = (),
    anchor: str = "",
) -> HttpResponse:
    """Do ``act`` to the agency's post ``post_id`` and go back to its page (at
    ``anchor``), saying ``done``, or why it was refused (what the form said in
    ``keep`` shown again)."""
    post = post_get(post_id=post_id)
    if post is None:
        raise Http404
    try:
        act(post)
    except GovsocialError as error:
        messages.error(request, error.message)
        _keep_typed(request, *keep)
    else:
        messages.success(request, done)
    return redirect(_post_page(agency_slug, post.pk) + anchor)


def _wanted_time(request: HttpRequest) -> datetime | None:
    """Return the time the submit form asks the post to go out at (a local date and
    time in the viewer's zone), or None when it gives neither."""
    form = ScheduleTimeForm(request.POST)
    if not form.is_valid():
        raise GovsocialError(form_problems(form))
    day, at_time = form.cleaned_data["schedule_date"], form.cleaned_data["schedule_time"]
    if day is None and at_time is None:
        return None
    if day is None or at_time is None:
        raise GovsocialError(_("Give both the date and the time, or neither."))
    return local_to_utc(
        datetime.combine(day, at_time), zone_of(request), fold=form.cleaned_data["schedule_fold"]
    )


@require_POST
def approval_decide(request: HttpRequest, agency_slug: str, approval_id: int) -> HttpResponse:
    """Record the viewer's decision at the round's current step; go back to the post."""
    approval = selectors.approval_get(approval_id=approval_id)
    if approval is None or approval.post_id is None:
        raise Http404
    try:
        decided = decisions.approval_decide(
            approval=approval,
            actor=request.user,  # type: ignore[arg-type]
            verdict=request.POST.get("verdict", ""),
            comment=request.POST.get("comment", ""),
        )
    except GovsocialError as error:
        messages.error(request, error.message)
        _keep_typed(request, "verdict", "comment")
    else:
        messages.success(request, _decided_message(decided, approval.post_id))
    return redirect(_post_page(agency_slug, approval.post_id))


def _keep_typed(request: HttpRequest, *names: str) -> None:
    """Keep what the refused form said in ``names`` for the post's page to show again,
    so that nobody types a comment twice."""
    request.session[TYPED] = {name: request.POST.get(name, "")[:5000] for name in names}


def _decided_message(approval: Approval, post_id: int) -> str:
    """Say what the decision did to the round (and, approved, to its post's time)."""
    if approval.state == ApprovalState.APPROVED:
        post = post_get(post_id=post_id)
        if post is not None and post.status in (PostStatus.SCHEDULED, PostStatus.HELD):
            return _("Approved: the post is on the schedule for the time it was submitted with.")
        if post is not None and post.overdue:
            return _("Approved after its time had passed: its author chooses a new time.")
        return _("Approved: the post may go on the schedule as it is.")
    if approval.state == ApprovalState.REJECTED:
        return _("Rejected: the author is told.")
    if approval.state == ApprovalState.CHANGES_REQUESTED:
        return _("Changes requested: the author is told.")
    return _("Your approval is recorded: the post waits for the rest of its approvers.")


@require_POST
def post_emergency_publish(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Publish the post now without its chain's approval, for the reason given; go back
    to the post, which shows the review it opened."""
    return _on_post(
        request,
        agency_slug,
        post_id,
        lambda post: emergency.post_publish_emergency(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        ),
        done=_("Publishing now, in an emergency: its approvers are told and will review it."),
        keep=("reason",),
    )


@require_POST
def emergency_review_close(request: HttpRequest, agency_slug: str, review_id: int) -> HttpResponse:
    """Close the viewer's review of an emergency post; go back to the post."""
    review = selectors.emergency_review_get(review_id=review_id)
    if review is None:
        raise Http404
    try:
        emergency.emergency_review_close(
            review=review,
            actor=request.user,  # type: ignore[arg-type]
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    except GovsocialError as error:
        messages.error(request, error.message)
        _keep_typed(request, "outcome", "note")
    else:
        messages.success(request, _("Your review is recorded."))
    return redirect(_post_page(agency_slug, review.post_id))


@require_http_methods(["GET", "POST"])
def emergency_publishers(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show who may publish in an emergency (admins always may); admins tick the other
    members who may."""
    agency = request.agency  # type: ignore[attr-defined]
    members = [m for m in member_list(agency=agency) if m.is_active and Role.ADMIN not in m.roles]
    is_admin = _is_admin(request)
    if request.method == "POST" and is_admin:
        ticked = set(request.POST.getlist("members"))
        emergency.emergency_publishers_set(
            agency=agency,
            actor=request.user,  # type: ignore[arg-type]
            members=[m for m in members if str(m.pk) in ticked],
        )
        messages.success(request, _("Who may publish in an emergency is saved."))
        return redirect("emergency_publishers", agency_slug=agency_slug)
    chosen = selectors.emergency_publisher_ids()
    context = {
        "members": [(m, m.user_id in chosen) for m in members],
        "is_admin": is_admin,
    }
    # Read-only for the others, as the other admins' pages are; a change sent anyway
    # is refused.
    status = 403 if request.method == "POST" else 200
    return render(request, "approvals/emergency_publishers.html", context, status=status)


@require_http_methods(["GET", "POST"])
def content_rules(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's content rules; admins change them."""
    is_admin = _is_admin(request)
    form = _rules_form(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 403 if not is_admin else 400
        if is_admin and form.is_valid():
            try:
                services.content_rules_save(
                    agency=request.agency,  # type: ignore[attr-defined]
                    actor=request.user,  # type: ignore[arg-type]
                    **form.cleaned_data,
                )
            except GovsocialError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The content rules are saved."))
                return redirect("content_rules", agency_slug=agency_slug)
    return _content_rules_page(request, form, status=status)


def _rules_form(data: Any = None) -> ContentRulesForm:
    """Return the content rules' form, filled with the rules as they are."""
    rules = selectors.content_rules()
    initial = {name: getattr(rules, name) for name in ContentRulesForm.base_fields}
    return ContentRulesForm(data, initial=initial)


def _content_rules_page(
    request: HttpRequest,
    form: ContentRulesForm,
    blackout: BlackoutForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """Show the content rules page: the rules (``form``), the blackout periods, and the
    form that adds one (``blackout``), times in the agency's zone."""
    accounts = list(social_account_list())
    context = {
        "form": form,
        "rules": selectors.content_rules(),
        "is_admin": _is_admin(request),
        # Each period, with the names of the accounts it covers (none: every one).
        "blackouts": [
            (period, [str(a) for a in accounts if a.pk in period.account_ids])
            for period in selectors.blackout_list()
        ],
        "blackout_form": blackout or BlackoutForm(accounts=accounts),
    }
    with timezone.override(_agency_zone(request)):
        return render(request, "approvals/content_rules.html", context, status=status)


def _agency_zone(request: HttpRequest) -> ZoneInfo:
    return zone_named(request.agency.time_zone)  # type: ignore[attr-defined]


@require_POST
def blackout_add(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Add a blackout period from its first to its last day, whole days in the agency's
    time zone (admins); go back to the content rules."""
    accounts = list(social_account_list())
    form = BlackoutForm(request.POST, accounts=accounts)
    if form.is_valid():
        data, zone = form.cleaned_data, _agency_zone(request)
        try:
            services.blackout_add(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=request.user,  # type: ignore[arg-type]
                name=data["name"],
                starts_at=local_to_utc(datetime.combine(data["first_day"], time()), zone),
                ends_at=local_to_utc(
                    datetime.combine(data["last_day"] + timedelta(days=1), time()), zone
                ),
                severity=data["severity"],
                account_ids=data["accounts"],
            )
        except GovsocialError as error:
            field = {"ends_at": "last_day"}.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("The blackout period is added."))
            return redirect("content_rules", agency_slug=agency_slug)
    status = 403 if not _is_admin(request) else 400
    return _content_rules_page(request, _rules_form(), form, status=status)


@require_POST
def blackout_delete(request: HttpRequest, agency_slug: str, blackout_id: int) -> HttpResponse:
    """Remove a blackout period (admins); go back to the content rules."""
    period = selectors.blackout_list().filter(pk=blackout_id).first()
    if period is None:
        raise Http404
    try:
        services.blackout_delete(period=period, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The blackout period is removed."))
    return redirect("content_rules", agency_slug=agency_slug)


@dataclass(frozen=True)
class NetworkVersion:
    """What one account of the post would publish: its text and first comment."""

    account: str
    text: str
    first_comment: str


@open_by_token
@require_http_methods(["GET", "POST"])
def external_decision(request: HttpRequest, agency_slug: str, token: str) -> HttpResponse:
    """Let the person outside govsocial a link was sent to see the post as each network
    would show it and decide at its step, once, before the link expires."""
    link = selectors.external_link_by_token(token=token)
    if link is None or link.approval.post_id is None:
        raise Http404
    post = post_get(post_id=link.approval.post_id)
    if post is None:
        raise Http404
    context: dict[str, Any] = {
        "link": link,
        "post": post,
        "agency": request.agency,  # type: ignore[attr-defined]
        "versions": [
            NetworkVersion(
                account=str(target.account),
                text=target.text if target.has_own_text else post.text,
                first_comment=target.first_comment,
            )
            for target in post.targets.all()
        ],
        "verdicts": Verdict.choices,
        "typed": {"verdict": "", "comment": ""},
    }
    waiting = (
        link.used_at is None
        and link.expires_at > timezone.now()
        and link.approval.state == ApprovalState.PENDING
        and link.approval.step == link.step
    )
    if not waiting:
        return render(request, "approvals/external_closed.html", context, status=410)
    if request.method == "POST":
        verdict, comment = request.POST.get("verdict", ""), request.POST.get("comment", "")
        try:
            decisions.external_decide(token=token, verdict=verdict, comment=comment)
        except GovsocialError as error:
            context |= {"error": error.message, "typed": {"verdict": verdict, "comment": comment}}
            return render(request, "approvals/external_decision.html", context, status=400)
        context["decided"] = dict(Verdict.choices)[verdict]
        return render(request, "approvals/external_decided.html", context)
    return render(request, "approvals/external_decision.html", context)


@require_POST
def post_comment_add(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Add the viewer's message to the conversation about the post; go back to it."""
    return _on_post(
        request,
        agency_slug,
        post_id,
        lambda post: comments.post_comment(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            text=request.POST.get("text", ""),
        ),
        done=_("Your message is added: the others taking part are told."),
        keep=("text",),
        anchor="#post-thread",
    )
