"""The inbox's pages: the list of what citizens wrote, and one item with its
conversation, its versions, its status and who has it."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Membership, Role, User
from govsocial.errors import GovsocialError
from inbox import moderation, selectors, services
from inbox.forms import (
    AssignForm,
    ClauseForm,
    ItemFilterForm,
    ModerationForm,
    ReplyForm,
    StatusForm,
)
from inbox.models import InboxItem, PolicyClause
from inbox.replies import reply_create
from publishing.selectors import social_account_list
from publishing.timezones import render_local

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
    items = selectors.item_list(**chosen) if chosen is not None else selectors.item_list().none()
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "newest": selectors.newest_item_id(),
        "arrived": 0,
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
    arrived = selectors.item_list().filter(pk__gt=after).count()
    if arrived == told:
        return HttpResponse(status=204)
    context = {"newest": after, "arrived": arrived}
    return render_local(request, "inbox/inbox_arrivals.html", context)


def _item(item_id: int) -> InboxItem:
    item = selectors.item_get(item_id=item_id)
    if item is None:
        raise Http404
    return item


@require_http_methods(["GET", "POST"])
def inbox_item(request: HttpRequest, agency_slug: str, item_id: int) -> HttpResponse:
    """Show one item in its conversation, with what it said before; those who work
    the inbox change its status or give it to someone."""
    item = _item(item_id)
    workers = selectors.inbox_workers()
    clauses = list(selectors.policy_clauses(in_force_only=True))
    forms = {
        "moderation_form": ModerationForm(clauses=clauses),
        "status_form": StatusForm(initial={"status": item.status}),
        "assign_form": AssignForm(initial={"assignee": item.assignee_id}, workers=workers),
        "reply_form": ReplyForm(),
    }
    code = 200
    if request.method == "POST":
        done = _act(request, item, forms, workers, clauses)
        if done:
            return redirect("inbox_item", agency_slug=agency_slug, item_id=item.pk)
        code = 400
    context = {
        "item": item,
        "conversation": selectors.conversation(item=item),
        "versions": selectors.versions(item=item) if item.version > 1 else [],
        "can_work": _is_worker(request),
        **forms,
    }
    return render_local(request, "inbox/inbox_item.html", context, status=code)


def _act(
    request: HttpRequest,
    item: InboxItem,
    forms: dict[str, Form],
    workers: Sequence[Membership],
    clauses: Sequence[PolicyClause],
) -> bool:
    """Apply the form that was sent (a reply, a moderation, a status, an assignee),
    replacing it in ``forms`` to show its errors; return whether it was done."""
    actor = request.user
    form: Form
    try:
        if "clause" in request.POST:
            form = ModerationForm(request.POST, clauses=clauses)
            forms["moderation_form"] = form
            if form.is_valid():
                hide = not item.hidden
                moderation.item_hide(
                    item=item,
                    hidden=hide,
                    clause=next(c for c in clauses if c.pk == form.cleaned_data["clause"]),
                    note=form.cleaned_data["note"],
                    actor=actor,  # type: ignore[arg-type]
                )
                messages.success(
                    request,
                    _("It is hidden on the network.")
                    if hide
                    else _("It shows on the network again."),
                )
        elif "text" in request.POST:
            form = ReplyForm(request.POST)
            forms["reply_form"] = form
            if form.is_valid():
                reply_create(item=item, text=form.cleaned_data["text"], actor=actor)  # type: ignore[arg-type]
                messages.success(request, _("Your reply is on its way."))
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
    agency = request.agency  # type: ignore[attr-defined]
    form = ClauseForm(request.POST if request.method == "POST" else None)
    code = 200
    if request.method == "POST":
        try:
            if "retire" in request.POST:
                retired = request.POST["retire"]
                clauses = selectors.policy_clauses()
                clause = clauses.filter(pk=int(retired)).first() if retired.isdigit() else None
                if clause is None:
                    raise Http404
                moderation.clause_retire(clause=clause, actor=request.user)  # type: ignore[arg-type]
                messages.success(request, _("The clause is retired."))
                return redirect("inbox_policy", agency_slug=agency.slug)
            if form.is_valid():
                moderation.clause_add(agency=agency, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
                messages.success(request, _("The clause is added."))
                return redirect("inbox_policy", agency_slug=agency.slug)
        except GovsocialError as error:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
        code = 400
    context = {
        "clauses": selectors.policy_clauses(),
        "form": form,
        "is_admin": request.membership.has_role(Role.ADMIN),  # type: ignore[attr-defined]
    }
    return render_local(request, "inbox/policy.html", context, status=code)
