"""The inbox's pages: the list of what citizens wrote, and one item with its
conversation, its versions, its status and who has it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Membership, Role, User
from approvals.selectors import step_approvers
from govsocial.errors import GovsocialError
from govsocial.timezones import render_local
from inbox import moderation, routing, selectors, services
from inbox.figures import AGES, DEFAULT_PERIOD, response_figures
from inbox.files import file_response
from inbox.forms import (
    WEEKDAYS,
    AssignForm,
    ClauseForm,
    CoverageForm,
    ItemFilterForm,
    ModerationForm,
    NoteForm,
    PeriodForm,
    ReplyDecisionForm,
    ReplyForm,
    RuleForm,
    SavedReplyForm,
    StatusForm,
    TagsForm,
    UseSavedForm,
)
from inbox.media import file_get, item_files, with_files_marked
from inbox.models import InboxItem, InboxReply, PolicyClause, ReplyState
from inbox.replies import reply_create, reply_decide, reply_held
from inbox.saved import saved_reply_add, saved_reply_filled, saved_reply_remove
from inbox.templatetags.inbox_tags import wait
from publishing.selectors import pause_cover, social_account_list

PAGE_SIZE = 50


def _is_worker(request: HttpRequest) -> bool:
    membership = request.membership  # type: ignore[attr-defined]
    return membership.is_active and bool(set(membership.roles) & services.WORKER_ROLES)


@require_GET
def inbox_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List what citizens wrote to the agency's accounts, newest first, narrowed by the
    filters and the search."""
    workers = selectors.inbox_workers()
    filters = ItemFilterForm(
        request.GET or None, accounts=list(social_account_list()), workers=workers
    )
    chosen = filters.filters()
    sees = _sees_restricted(request)
    items = (
        selectors.item_list(**chosen, restricted=sees)
        if chosen is not None
        else selectors.item_list().none()
    )
    items = with_files_marked(items)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "newest": selectors.newest_item_id(),
        "arrived": 0,
        "replies_waiting": list(selectors.replies_waiting(user_id=request.user.pk)),  # type: ignore[arg-type]
    }
    return render_local(request, "inbox/inbox_list.html", context)


@require_GET
def inbox_arrivals(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Answer the inbox page asking what arrived since it was shown (``after``, the
    newest item it knew): nothing (204) while that is what it already says (``told``),
    else how many arrived, in its live region."""
    try:
        after, told = int(request.GET.get("after", "0")), int(request.GET.get("told", "0"))
    except ValueError:
        return HttpResponse(status=400)
    shown = selectors.item_list(restricted=_sees_restricted(request))
    arrived = shown.filter(pk__gt=after).count()
    if arrived == told:
        return HttpResponse(status=204)
    context = {"newest": after, "arrived": arrived}
    return render_local(request, "inbox/inbox_arrivals.html", context)


def _sees_restricted(request: HttpRequest) -> bool:
    """Whether the viewer sees items whose processing is restricted: records officers."""
    return bool(request.membership.has_role(Role.RECORDS_OFFICER))  # type: ignore[attr-defined]


def _item(request: HttpRequest, item_id: int) -> InboxItem:
    item = selectors.item_get(item_id=item_id, restricted=_sees_restricted(request))
    if item is None:
        raise Http404
    return item


@require_http_methods(["GET", "POST"])
def inbox_item(request: HttpRequest, agency_slug: str, item_id: int) -> HttpResponse:
    """Show one item in its conversation, with what it said before; those who work
    the inbox change its status or give it to someone."""
    item = _item(request, item_id)
    workers = selectors.inbox_workers()
    clauses = list(selectors.policy_clauses(in_force_only=True))
    blocked = selectors.blocked_author(item=item)
    actions = moderation.item_actions(item, author_blocked=blocked is not None)
    saved = list(selectors.saved_replies())
    use_saved = UseSavedForm(request.GET or None, saved=saved)
    started = ""
    if use_saved.is_valid():
        chosen = next(reply for reply in saved if reply.pk == use_saved.cleaned_data["saved"])
        started = saved_reply_filled(saved=chosen, item=item)
    forms: dict[str, Form | None] = {
        "moderation_form": ModerationForm(actions=actions, clauses=clauses),
        "status_form": StatusForm(initial={"status": item.status}),
        "assign_form": AssignForm(initial={"assignee": item.assignee_id}, workers=workers),
        "reply_form": ReplyForm(initial={"text": started}),
        "use_saved_form": use_saved if saved else None,
        "note_form": NoteForm(),
        "tags_form": TagsForm(initial={"tags": ", ".join(item.tags)}),
    }
    conversation = selectors.conversation(item=item, restricted=_sees_restricted(request))
    deciding = _rounds_shown(request, conversation)
    code = 200
    if request.method == "POST":
        done = _act(request, item, forms, workers, (actions, clauses), deciding)
        if done:
            return redirect("inbox_item", agency_slug=agency_slug, item_id=item.pk)
        code = 400
    context = {
        "item": item,
        "conversation": conversation,
        "versions": selectors.versions(item=item) if item.version > 1 else [],
        "notes": selectors.notes(item=item),
        "files": item_files(item=item),
        "blocked": blocked,
        "paused": pause_cover(agency=item.agency).covers(item.account_id),
        "can_work": _is_worker(request),
        **forms,
    }
    return render_local(request, "inbox/inbox_item.html", context, status=code)


def _rounds_shown(
    request: HttpRequest, conversation: Sequence[InboxItem | InboxReply]
) -> dict[int, InboxReply]:
    """Give each reply of ``conversation`` waiting for approval who may decide it now
    (``approvers``), and those waiting for the viewer a decision form
    (``decision_form``); return the latter by id."""
    in_review = [
        said
        for said in conversation
        if isinstance(said, InboxReply) and said.state == ReplyState.IN_REVIEW
    ]
    waiting = set(
        selectors.replies_waiting(user_id=request.user.pk)  # type: ignore[arg-type]
        .filter(pk__in=[reply.pk for reply in in_review])
        .values_list("pk", flat=True)
    )
    deciding = {}
    for reply in in_review:
        reply.approvers = step_approvers(reply.approval) if reply.approval else []  # type: ignore[attr-defined]
        if reply.pk in waiting:
            reply.decision_form = ReplyDecisionForm(  # type: ignore[attr-defined]
                initial={"reply": reply.pk}, auto_id=f"id_reply{reply.pk}_%s"
            )
            deciding[reply.pk] = reply
    return deciding


def _act(
    request: HttpRequest,
    item: InboxItem,
    forms: dict[str, Form | None],
    workers: Sequence[Membership],
    moderations: tuple[Sequence[moderation.Action], Sequence[PolicyClause]],
    deciding: dict[int, InboxReply],
) -> bool:
    """Apply the form that was sent (a reply, a decision on one, a moderation, a
    status, an assignee), replacing it in ``forms`` (or ``deciding``) to show its
    errors; return whether it was done."""
    actor = request.user
    form: Form
    try:
        if "verdict" in request.POST:
            asked = request.POST.get("reply", "")
            reply = deciding.get(int(asked)) if asked.isdigit() else None
            if reply is None:
                messages.error(request, _("This reply no longer waits for your decision."))
                return False
            form = reply.decision_form = ReplyDecisionForm(  # type: ignore[attr-defined]
                request.POST, auto_id=f"id_reply{reply.pk}_%s"
            )
            if form.is_valid():
                reply_decide(
                    reply=reply,
                    actor=actor,  # type: ignore[arg-type]
                    verdict=form.cleaned_data["verdict"],
                    comment=form.cleaned_data["comment"],
                )
                messages.success(request, _("Your decision is recorded."))
        elif "clause" in request.POST:
            actions, clauses = moderations
            form = ModerationForm(request.POST, actions=actions, clauses=clauses)
            forms["moderation_form"] = form
            if form.is_valid():
                action = moderation.Action(form.cleaned_data["action"])
                moderation.item_moderate(
                    item=item,
                    action=action,
                    clause=next(c for c in clauses if c.pk == form.cleaned_data["clause"]),
                    note=form.cleaned_data["note"],
                    actor=actor,  # type: ignore[arg-type]
                )
                messages.success(request, moderation.DONE[action])
        elif "note" in request.POST:
            form = NoteForm(request.POST)
            forms["note_form"] = form
            if form.is_valid():
                services.note_add(item=item, text=form.cleaned_data["note"], actor=actor)  # type: ignore[arg-type]
                messages.success(request, _("The note is added."))
        elif "tags" in request.POST:
            form = TagsForm(request.POST)
            forms["tags_form"] = form
            if form.is_valid():
                services.item_tags_set(item=item, tags=form.chosen(), actor=actor)  # type: ignore[arg-type]
                messages.success(request, _("The tags are saved."))
        elif "text" in request.POST:
            form = ReplyForm(request.POST)
            forms["reply_form"] = form
            if form.is_valid():
                reply = reply_create(
                    item=item,
                    text=form.cleaned_data["text"],
                    actor=actor,  # type: ignore[arg-type]
                    acknowledge_warnings=form.cleaned_data["acknowledge_warnings"],
                )
                if reply.state == ReplyState.IN_REVIEW:
                    said = _("Your reply waits for approval: its approvers are told.")
                elif reply_held(reply_id=reply.pk):
                    said = _(
                        "Publishing is paused on this account: your reply waits until it resumes."
                    )
                else:
                    said = _("Your reply is on its way.")
                messages.success(request, said)
        elif "status" in request.POST:
            form = StatusForm(request.POST)
            forms["status_form"] = form
            if form.is_valid():
                services.item_status_set(
                    item=item,
                    status=form.cleaned_data["status"],
                    actor=actor,  # type: ignore[arg-type]
                )
                messages.success(request, _("The item's status is changed."))
        else:
            form = AssignForm(request.POST, workers=workers)
            forms["assign_form"] = form
            if form.is_valid():
                chosen = form.cleaned_data["assignee"]
                assignee = User.objects.filter(pk=chosen).first() if chosen else None
                services.item_assign(item=item, assignee=assignee, actor=actor)  # type: ignore[arg-type]
                messages.success(request, _("Who has the item is saved."))
    except GovsocialError as error:
        if error.field and error.field in form.fields:
            form.add_error(error.field, error.message)
        else:
            messages.error(request, error.message)
        return False
    return form.is_valid()


@require_http_methods(["GET", "POST"])
def policy_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's comment policy, the clauses moderation names; admins add
    clauses and retire them."""
    return _kept_by_admins(
        request,
        form=ClauseForm(request.POST if request.method == "POST" else None),
        rows=selectors.policy_clauses(),
        add=moderation.clause_add,
        added=_("The clause is added."),
        remove=lambda clause, actor: moderation.clause_retire(clause=clause, actor=actor),
        removed=_("The clause is retired."),
        remove_field="retire",
        template="inbox/policy.html",
    )


@require_http_methods(["GET", "POST"])
def saved_replies_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the replies the agency keeps ready; admins add and remove them."""
    return _kept_by_admins(
        request,
        form=SavedReplyForm(request.POST if request.method == "POST" else None),
        rows=selectors.saved_replies(),
        add=saved_reply_add,
        added=_("The reply is saved."),
        remove=lambda saved, actor: saved_reply_remove(saved=saved, actor=actor),
        removed=_("The saved reply is removed."),
        remove_field="remove",
        template="inbox/saved_replies.html",
    )


@require_http_methods(["GET", "POST"])
def routing_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's routing rules; admins add rules and retire them."""
    return _kept_by_admins(
        request,
        form=RuleForm(
            request.POST if request.method == "POST" else None,
            accounts=social_account_list(connected_only=True),
            workers=selectors.inbox_workers(),
        ),
        rows=selectors.routing_rules(),
        add=routing.rule_add,
        added=_("The rule is added: it applies to what arrives from now on."),
        remove=lambda rule, actor: routing.rule_retire(rule=rule, actor=actor),
        removed=_("The rule is retired."),
        remove_field="retire",
        template="inbox/routing.html",
    )


@require_GET
def figures_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show how long what reached the accounts waited for a first answer, per account
    and per member, in and out of business hours, and how long open items have waited."""
    form = PeriodForm(request.GET or {"days": DEFAULT_PERIOD})
    valid = form.is_valid()
    days = form.cleaned_data["days"] if valid else DEFAULT_PERIOD
    context = {
        "form": form,
        "figures": response_figures(agency=request.agency, days=days),  # type: ignore[attr-defined]
        "ages": _age_labels(),
    }
    return render_local(request, "inbox/figures.html", context, status=200 if valid else 400)


def _age_labels() -> list[str]:
    """Name the open items' age buckets (``inbox.figures.AGES``) in the page's language."""
    labels = [_("Under %(age)s") % {"age": wait(AGES[0])}]
    labels += [
        _("%(shortest)s to %(longest)s") % {"shortest": wait(shorter), "longest": wait(longer)}
        for shorter, longer in pairwise(AGES)
    ]
    return [*labels, _("Over %(age)s") % {"age": wait(AGES[-1])}]


@require_http_methods(["GET", "POST"])
def coverage_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the inbox's business hours, who is on duty after them and the urgent words;
    admins change them."""
    agency = request.agency  # type: ignore[attr-defined]
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    workers = selectors.inbox_workers()
    coverage = routing.coverage_of(agency)
    initial = {
        "weekdays": coverage.weekdays,
        # As the browser's time control takes them (the field component shows the
        # value as given).
        "opens_at": coverage.opens_at.strftime("%H:%M"),
        "closes_at": coverage.closes_at.strftime("%H:%M"),
        "after_hours": coverage.after_hours,
        "urgent_words": ", ".join(coverage.urgent_words),
        "replies_need_approval": coverage.replies_need_approval,
    }
    form = CoverageForm(
        request.POST if request.method == "POST" else None, initial=initial, workers=workers
    )
    code = 200
    if request.method == "POST":
        try:
            if form.is_valid():
                routing.coverage_set(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    **form.cleaned_data,
                )
                messages.success(request, _("The inbox's coverage is saved."))
                return redirect(request.path)
        except GovsocialError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        code = 400
    on_duty_after = [m.user for m in workers if m.user_id in coverage.after_hours]
    context = {
        "form": form,
        "coverage": coverage,
        "weekdays": [WEEKDAYS[day] for day in coverage.weekdays],
        "after_hours": on_duty_after,
        "is_admin": is_admin,
    }
    return render_local(request, "inbox/coverage.html", context, status=code)


def _kept_by_admins(
    request: HttpRequest,
    *,
    form: Form,
    rows: QuerySet[Any],
    add: Callable[..., object],
    added: str,
    remove: Callable[[Any, Any], object],
    removed: str,
    remove_field: str,
    template: str,
) -> HttpResponse:
    """Show a list the agency's admins keep (``rows``): they add one with ``form``
    (``add``) and take one off by its id posted as ``remove_field`` (``remove``)."""
    agency = request.agency  # type: ignore[attr-defined]
    code = 200
    if request.method == "POST":
        try:
            if remove_field in request.POST:
                remove(_posted(rows, request.POST[remove_field]), request.user)
                messages.success(request, removed)
                return redirect(request.path)
            if form.is_valid():
                add(agency=agency, actor=request.user, **form.cleaned_data)
                messages.success(request, added)
                return redirect(request.path)
        except GovsocialError as error:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
        code = 400
    context = {
        "rows": rows,
        "form": form,
        "is_admin": request.membership.has_role(Role.ADMIN),  # type: ignore[attr-defined]
    }
    return render_local(request, template, context, status=code)


Row = TypeVar("Row", bound=Model)


def _posted(rows: QuerySet[Row], posted_id: str) -> Row:
    """Return the row of ``rows`` a form names by its id, or answer 404."""
    row = rows.filter(pk=int(posted_id)).first() if posted_id.isdigit() else None
    if row is None:
        raise Http404
    return row


@require_GET
def inbox_file(request: HttpRequest, agency_slug: str, item_id: int, media_id: int) -> FileResponse:
    """Answer a file a citizen attached to an item, as the archive keeps it."""
    return file_response(
        file_get(item_id=item_id, media_id=media_id, restricted=_sees_restricted(request))
    )
