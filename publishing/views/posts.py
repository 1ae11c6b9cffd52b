"""Pages: the agency's posts, one post with each account's delivery, and the composer
(write once for several accounts, see each network's count and problems, autosave,
schedule in the viewer's time zone)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govsocial.errors import GovsocialError, form_problems
from govsocial.timezones import LocalTimeError, local_to_utc, render_local, zone_of
from publishing import selectors, services
from publishing.content import AccountCheck, PostProblem, composer_checks, member_media_url
from publishing.forms import ComposerForm, PostFilterForm, PostsActionForm
from publishing.models import (
    CommentState,
    MediaAsset,
    Post,
    PostStatus,
    SocialAccount,
    TargetState,
)
from publishing.previews import network_preview
from publishing.services.posts import COMPOSER_ROLES, REVIEWED, WAITING
from publishing.services.queue import QUEUEABLE
from publishing.views.calendar import back_to, move, summary

PAGE_SIZE = 50
# What the composer's submit buttons ask for.
SAVE, CHECK, SCHEDULE, PUBLISH_NOW = "save", "check", "schedule", "publish_now"


def _post(post_id: int) -> Post:
    post = selectors.post_get(post_id=post_id)
    if post is None:
        raise Http404
    return post


def _is_composer(request: HttpRequest) -> bool:
    roles = set(request.membership.roles) if request.membership.is_active else set()  # type: ignore[attr-defined]
    return bool(roles & COMPOSER_ROLES)


def _edit_url(post: Post) -> str:
    return reverse("post_edit", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk})


def _detail_url(post: Post) -> str:
    return reverse("post_detail", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk})


@require_GET
def post_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the agency's posts with their status, time, accounts and author; filter them
    by status, account, author and campaign."""
    filters = PostFilterForm(
        request.GET or None,
        choices=selectors.post_filter_choices(),
    )
    chosen = filters.filters()
    posts = selectors.post_list(**chosen) if chosen is not None else selectors.post_list().none()
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_write = _is_composer(request)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "can_write": can_write,
        "action_form": PostsActionForm() if can_write else None,
        "here": request.get_full_path(),
    }
    return render_local(request, "publishing/post_list.html", context)


@require_GET
def post_detail(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Show one post: its content, its translation, each account's delivery (state,
    link once published, why it failed) and its revisions."""
    post = _post(post_id)
    delivery = _delivery(post)
    targets = delivery["targets"]
    states = {t.state for t in targets}
    context = delivery | {
        "language": dict(settings.LANGUAGES).get(post.language, post.language),
        "revisions": post.revisions.all(),
        "can_edit": _is_composer(request)
        and states <= WAITING
        and post.status in {PostStatus.DRAFT, *REVIEWED} - {PostStatus.IN_REVIEW},
        "can_unschedule": _is_composer(request)
        and bool(states & {TargetState.SCHEDULED, TargetState.HELD}),
        "can_queue": _is_composer(request) and bool(targets) and post.status in QUEUEABLE,
        "can_translate": _is_composer(request)
        and post.translation_id is None
        and states <= {TargetState.DRAFT}
        and post.status in QUEUEABLE | {PostStatus.IN_REVIEW},
        "can_unlink": _is_composer(request)
        and post.translation_id is not None
        and states <= WAITING,
        "can_delete": _is_composer(request)
        and post.status == PostStatus.DRAFT
        and states <= {TargetState.DRAFT},
    }
    return render_local(request, "publishing/post_detail.html", context)


@require_GET
def post_delivery(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Answer the post's page following its delivery: nothing (204) while nothing
    changed since what it shows (``seen``), else each account's delivery as it is now,
    with a summary for screen readers."""
    delivery = _delivery(_post(post_id))
    if delivery["following"] and request.GET.get("seen") == delivery["seen"]:
        return HttpResponse(status=204)
    targets = delivery["targets"]
    published = sum(t.state == TargetState.PUBLISHED for t in targets)
    failed = sum(t.state == TargetState.FAILED for t in targets)
    progress = ngettext(
        "Published on %(published)s of %(count)s account.",
        "Published on %(published)s of %(count)s accounts.",
        len(targets),
    ) % {"published": published, "count": len(targets)}
    if failed:
        progress += " " + ngettext("%(failed)s failed.", "%(failed)s failed.", failed) % {
            "failed": failed
        }
    return render_local(request, "publishing/post_delivery.html", delivery | {"progress": progress})


# A target in one of these is being sent or looked for; its page follows it.
UNDER_WAY = frozenset({TargetState.QUEUED, TargetState.SENDING, TargetState.UNCONFIRMED})
COMMENT_UNDER_WAY = frozenset(
    {CommentState.WAITING, CommentState.SENDING, CommentState.UNCONFIRMED}
)
# A target due within this long is about to go out: its page follows it already.
DUE_SOON = timedelta(minutes=1)


def _delivery(post: Post) -> dict[str, Any]:
    """Return each account's delivery of ``post``; whether any is under way (being sent,
    looked for, or due within a minute, its first comment included), so that its page
    follows it; and a digest of what the page shows, to tell when that changed."""
    targets = sorted(post.targets.all(), key=lambda t: t.account_id)
    soon = timezone.now() + DUE_SOON
    following = any(
        t.state in UNDER_WAY
        or t.comment_state in COMMENT_UNDER_WAY
        or (
            t.state in {TargetState.SCHEDULED, TargetState.RETRY_WAIT}
            and t.next_attempt_at is not None
            and t.next_attempt_at <= soon
        )
        for t in targets
    )
    shown = "|".join(
        f"{t.pk}:{t.state}:{t.attempts}:{t.next_attempt_at}:{t.permalink}:{t.failure_reason}"
        f":{t.comment_state}:{t.comment_attempts}:{t.comment_failure_reason}"
        for t in targets
    )
    seen = hashlib.sha256(shown.encode()).hexdigest()[:16]
    return {"post": post, "targets": targets, "following": following, "seen": seen}


@require_POST
def post_unschedule(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Take a post off the schedule, back to draft (its translation with it)."""
    post = _post(post_id)
    try:
        services.post_unschedule(post=post, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The post is off the schedule, back to draft."))
    return redirect(_detail_url(post))


@require_POST
def post_translation_add(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Write the post's translation as a draft and open it in the composer."""
    post = _post(post_id)
    try:
        translation = services.post_translation_add(post=post, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(post))
    messages.success(
        request,
        _(
            "%(version)s is a draft for the same accounts, with the same link and files: "
            "write its text, then schedule the two together."
        )
        % {"version": translation.version_name},
    )
    return redirect(_edit_url(translation))


@require_POST
def post_translation_unlink(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Undo the link between a post and its translation."""
    post = _post(post_id)
    try:
        services.post_translation_unlink(post=post, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The two versions are no longer linked: each is scheduled on its own.")
        )
    return redirect(_detail_url(post))


@require_POST
def posts_act(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Do one thing to several posts ticked in a list (the posts page, the calendar's
    list): move them to a day, take them off the schedule, or delete the drafts among
    them, after asking. Each post on its own: one refused leaves the others done, and
    each refusal is said with the post it concerns. A post and its translation move
    and leave the schedule together, so the second of a pair ticked is done already."""
    if not _is_composer(request):
        raise PermissionDenied
    form = PostsActionForm(request.POST)
    back = back_to(request, reverse("post_list", kwargs={"agency_slug": agency_slug}))
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect(back)
    action = form.cleaned_data["action"]
    posts = selectors.posts_chosen(post_ids=form.cleaned_data["posts"])
    if action == PostsActionForm.DELETE and "confirmed" not in request.POST:
        drafts = [p for p in posts if p.status == PostStatus.DRAFT]
        if not drafts:
            messages.error(
                request, _("None of the ticked posts is a draft: only drafts are deleted.")
            )
            return redirect(back)
        context = {"drafts": drafts, "kept": len(posts) - len(drafts), "next": back}
        return render_local(request, "publishing/posts_confirm_delete.html", context)
    done, together = 0, set()
    for post in posts:
        if post.pk in together:
            done += 1
            continue
        refusal = _act(request, post, action, form)
        if refusal:
            messages.error(request, f"“{summary(post.text)}”: {refusal}")
            continue
        done += 1
        if action != PostsActionForm.DELETE and post.translation_id is not None:
            together.add(post.translation_id)
    if missing := len(form.cleaned_data["posts"]) - len(posts):
        messages.error(
            request,
            ngettext(
                "%(count)s ticked post no longer exists.",
                "%(count)s ticked posts no longer exist.",
                missing,
            )
            % {"count": missing},
        )
    if done:
        messages.success(request, _done(form, done))
    return redirect(back)


def _act(request: HttpRequest, post: Post, action: str, form: PostsActionForm) -> str:
    """Do ``action`` to ``post``; return why it was refused, or "" when done."""
    if action == PostsActionForm.MOVE:
        return move(request, post, form)[1]
    try:
        if action == PostsActionForm.UNSCHEDULE:
            services.post_unschedule(post=post, actor=request.user)  # type: ignore[arg-type]
        else:
            services.post_delete(post=post, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        return error.message
    return ""


def _done(form: PostsActionForm, count: int) -> str:
    """Say what was done to ``count`` posts."""
    action = form.cleaned_data["action"]
    if action == PostsActionForm.MOVE:
        day = formats.date_format(form.cleaned_data["schedule_date"], "DATE_FORMAT")
        return ngettext(
            "%(count)s post moved to %(day)s.", "%(count)s posts moved to %(day)s.", count
        ) % {"count": count, "day": day}
    if action == PostsActionForm.UNSCHEDULE:
        message = ngettext(
            "%(count)s post taken off the schedule, back to draft.",
            "%(count)s posts taken off the schedule, back to draft.",
            count,
        )
    else:
        message = ngettext(
            "%(count)s draft deleted. The archive keeps a record of it.",
            "%(count)s drafts deleted. The archive keeps a record of them.",
            count,
        )
    return message % {"count": count}


@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Ask, then delete a draft that never went out."""
    post = _post(post_id)
    if request.method == "GET":
        return render_local(request, "publishing/post_confirm_delete.html", {"post": post})
    try:
        services.post_delete(post=post, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(post))
    messages.success(request, _("The draft is deleted. The archive keeps a record of it."))
    return redirect("post_list", agency_slug=agency_slug)


@require_POST
def post_target_delete(
    request: HttpRequest, agency_slug: str, post_id: int, target_id: int
) -> HttpResponse:
    """Take the post off one account on its network (an admin or a publisher of it)."""
    post = _post(post_id)
    target = next((t for t in post.targets.all() if t.pk == target_id), None)
    if target is None:
        raise Http404
    try:
        services.target_delete(target=target, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The post is deleted from %(account)s.") % {"account": target.account}
        )
    return redirect(_detail_url(post))


# The composer -------------------------------------------------------------------------


def _composer_accounts(request: HttpRequest, post: Post | None) -> list[SocialAccount]:
    """Return the accounts the composer offers: the connected ones the person may
    publish to, and those the post already goes to (so they can be taken off)."""
    accounts = list(
        selectors.publishable_accounts(
            agency=request.agency,  # type: ignore[attr-defined]
            actor=request.user,  # type: ignore[arg-type]
        )
    )
    offered = {a.pk for a in accounts}
    if post is not None:
        accounts += [t.account for t in post.targets.all() if t.account_id not in offered]
    return accounts


def _library(post: Post | None) -> list[MediaAsset]:
    """Return the media library with the post's files first, in their order."""
    assets = list(selectors.media_list())
    if post is None:
        return assets
    order = {m.asset_id: m.position for m in post.media.all()}
    return sorted(assets, key=lambda a: (a.pk not in order, order.get(a.pk, 0)))


def _composer_form(request: HttpRequest, post: Post | None, data: Any = None) -> ComposerForm:
    accounts, assets = _composer_accounts(request, post), _library(post)
    initial = ComposerForm.initial_for(post, assets)
    if post is not None and post.scheduled_at is not None:
        local = timezone.localtime(post.scheduled_at, zone_of(request))
        # As the browser's date and time inputs take them.
        initial |= {"schedule_date": local.date().isoformat(), "schedule_time": f"{local:%H:%M}"}
    return ComposerForm(data, initial=initial, accounts=accounts, assets=assets)


def _checks(request: HttpRequest, form: ComposerForm) -> list[AccountCheck]:
    """Return each ticked account's count and problems for the form's content."""
    assets = {a.pk: a for a in form.asset_rows}
    return composer_checks(
        accounts=form.chosen_accounts(),
        text_of=form.text_of(),
        link=form.cleaned_data["link"],
        media=[(assets[pk], alt) for pk, alt in form.chosen_media()],
        media_url=member_media_url(request.agency.slug),  # type: ignore[attr-defined]
        comment_of=form.first_comments(),
    )


def _anchor(form: ComposerForm, problem: PostProblem) -> str:
    """Return the id of the field where the author fixes ``problem``."""
    if problem.field == "media":
        return "composer-media"
    if problem.field == "accounts":
        return f"account-{problem.account_id}"
    if problem.field == "first_comment":
        return f"id_comment_{problem.account_id}"
    if problem.field == "acknowledge_warnings":
        return "id_acknowledge_warnings"
    valid = form.is_bound and form.is_valid()
    own_text = form.variants().get(problem.account_id) if valid else None
    return "id_text" if own_text is None else f"id_variant_{problem.account_id}"


def _linked(form: ComposerForm, problems: list[PostProblem]) -> list[dict[str, Any]]:
    """Return problems with the field each is fixed in."""
    return [asdict(p) | {"anchor": _anchor(form, p)} for p in problems]


def _previews(form: ComposerForm, checks: list[AccountCheck]) -> dict[str, Any]:
    """Return what the previews show: each account's post as its network shows it and
    its problems, and the files (the same on every network)."""
    chosen: list[tuple[MediaAsset, str]] = []
    if form.is_bound and form.is_valid():
        assets = {a.pk: a for a in form.asset_rows}
        chosen = [(assets[pk], alt) for pk, alt in form.chosen_media()]
    return {
        "previews": [(network_preview(check), _linked(form, check.problems)) for check in checks],
        "preview_media": chosen,
    }


def _draft_key(request: HttpRequest) -> UUID | None:
    """Return the key of the composer page that sent ``request`` (None: none, or not one)."""
    try:
        return UUID(request.POST.get("draft_key", ""))
    except ValueError:
        return None


def _drafted(request: HttpRequest, post: Post | None) -> Post | None:
    """Return ``post``, or the post the same composer page already wrote: its id, or
    its key when the page does not know the id yet (its autosave and a button raced)."""
    if post is not None:
        return post
    if request.POST.get("post", "").isdigit():
        return _post(int(request.POST["post"]))
    key = _draft_key(request)
    return None if key is None else selectors.post_drafted_on(composer_key=key)


def _save(request: HttpRequest, post: Post | None, form: ComposerForm, reset: int | None) -> Post:
    """Create the post, or save the form over it (over the one the same page wrote, when
    it wrote one meanwhile)."""
    data = form.cleaned_data
    content: dict[str, Any] = {
        "actor": request.user,
        "text": data["text"],
        "link": data["link"],
        "campaign": data["campaign"],
        "language": data["language"],
        "account_ids": data["accounts"],
        "variants": form.variants(reset=reset),
        "media": form.chosen_media(),
        "first_comments": form.first_comments(),
    }
    if post is None:
        key = _draft_key(request)
        try:
            with transaction.atomic():
                return services.post_create(
                    agency=request.agency,  # type: ignore[attr-defined]
                    composer_key=key,
                    **content,
                )
        except IntegrityError:
            post = _drafted(request, None)
            if post is None:
                raise
    return services.post_update(post=post, **content)


def _missing(form: ComposerForm, *, now: bool) -> bool:
    """Add to the valid ``form`` an error for each thing a post needs before it is
    scheduled (or published now) that it lacks; return whether it lacks any."""
    data = dict(form.cleaned_data)
    written = data["text"].strip() or any(text.strip() for text in form.text_of().values())
    lacking = {
        "accounts": not data["accounts"],
        "text": not written and not form.chosen_media(),
        "schedule_date": not now and data["schedule_date"] is None,
        "schedule_time": not now and data["schedule_time"] is None,
    }
    said = {
        "accounts": _("Choose at least one account to publish to."),
        "text": _("Write what the post says, or choose a file to publish."),
        "schedule_date": _("Enter the date to publish on."),
        "schedule_time": _("Enter the time to publish at."),
    }
    for field, lacks in lacking.items():
        if lacks:
            form.add_error(field, said[field])
    return any(lacking.values())


def _schedule(
    request: HttpRequest, post: Post, form: ComposerForm, *, now: bool
) -> list[PostProblem]:
    """Schedule ``post`` at the form's local time, or for now; return the networks'
    problems, or add the form's errors (return nothing) when there is something else to
    fix."""
    data = form.cleaned_data
    zone = zone_of(request)
    try:
        if now:
            post = services.post_publish_now(
                post=post,
                actor=request.user,  # type: ignore[arg-type]
                acknowledge_warnings=data["acknowledge_warnings"],
            )
        else:
            at = local_to_utc(
                datetime.combine(data["schedule_date"], data["schedule_time"]),
                zone,
                fold=data["schedule_fold"],
            )
            post = services.post_schedule(
                post=post,
                actor=request.user,  # type: ignore[arg-type]
                at=at,
                acknowledge_warnings=data["acknowledge_warnings"],
            )
    except services.PostProblems as refused:
        return refused.post_problems
    except LocalTimeError as error:
        message = error.message
        if error.choices:
            # Here the author can say which of the two moments is meant.
            message = _(
                "That time happens twice that night: the clocks go back then. Say which "
                "one you mean, or choose another time."
            )
        form.add_error("schedule_time", message)
        form.fold_choices = error.choices  # type: ignore[attr-defined]
        return []
    except GovsocialError as error:
        field = {"at": "schedule_time", "accounts": "accounts"}.get(error.field or "")
        form.add_error(field, error.message)
        return []
    if now:
        messages.success(
            request,
            _("Publishing now: a link to the post on each network appears here once it is out."),
        )
    else:
        local = timezone.localtime(at, zone)
        messages.success(
            request,
            _("Scheduled for %(when)s (%(zone)s).")
            % {"when": formats.date_format(local, "DATETIME_FORMAT"), "zone": zone.key},
        )
    if any(target.state == TargetState.HELD for target in post.targets.all()):
        messages.warning(
            request, _("Publishing is paused: this post is held until the pause ends.")
        )
    return []


def _compose(request: HttpRequest, post: Post | None) -> HttpResponse:
    """Show the composer, or handle what it sent: save, check, or save and schedule (for
    its time, or now). Only authors and admins write posts: the others are not shown it."""
    if not _is_composer(request):
        raise PermissionDenied
    if request.method == "POST":
        # Autosave may have written this post from the same page already.
        post = _drafted(request, post)
    if request.method != "POST":
        return _render_composer(request, post, _composer_form(request, post))
    form = _composer_form(request, post, request.POST)
    action = request.POST.get("action", SAVE)
    reset = request.POST.get("inherit", "")
    if not form.is_valid():
        return _render_composer(request, post, form, status=400)
    if action == CHECK:
        return _render_composer(request, post, form, checks=_checks(request, form))
    scheduling = action in {SCHEDULE, PUBLISH_NOW}
    # Read before any error below takes a field out of the form's data.
    network_problems = (
        [p for check in _checks(request, form) for p in check.problems] if scheduling else []
    )
    if scheduling and _missing(form, now=action == PUBLISH_NOW):
        # Nothing is saved: the author is told everything the post still needs.
        return _render_composer(request, post, form, problems=network_problems, status=400)
    try:
        post = _save(request, post, form, int(reset) if reset.isdigit() else None)
    except GovsocialError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _render_composer(request, post, form, status=400)
    if scheduling:
        post = _post(post.pk)
        problems = _schedule(request, post, form, now=action == PUBLISH_NOW)
        if not problems and not form.errors:
            return redirect(_detail_url(post))
        # Refused for its time: what the networks would refuse is said as well.
        problems = problems or network_problems
        return _render_composer(request, _post(post.pk), form, problems=problems, status=400)
    messages.success(request, _("Draft saved."))
    anchor = f"#account-{reset}" if reset.isdigit() else ""
    return redirect(_edit_url(post) + anchor)


def _render_composer(
    request: HttpRequest,
    post: Post | None,
    form: ComposerForm,
    *,
    checks: list[AccountCheck] | None = None,
    problems: list[PostProblem] | None = None,
    status: int = 200,
) -> HttpResponse:
    shown = form
    if not form.is_bound and post is not None:
        # What the post says now, checked as if the author had just sent it.
        shown = _composer_form(request, post, _form_data(form))
    if checks is None and shown.is_bound and shown.is_valid():
        checks = _checks(request, shown)
    context = {
        "post": post,
        "form": form,
        "checks": checks or [],
        **_previews(shown, checks or []),
        "problems": _linked(shown, problems or []),
        "fold_choices": getattr(form, "fold_choices", ()),
        "warned": any(problem.field == "acknowledge_warnings" for problem in problems or []),
        "autosave": post is None or post.status == PostStatus.DRAFT,
        # The page's own key, kept while it is sent back: one page writes one post.
        "draft_key": _draft_key(request) or uuid4(),
        "action_url": _edit_url(post)
        if post
        else reverse("post_new", kwargs={"agency_slug": request.agency.slug}),  # type: ignore[attr-defined]
    }
    return render_local(request, "publishing/post_form.html", context, status=status)


def _form_data(form: ComposerForm) -> dict[str, Any]:
    """Return an unbound form's starting values as the browser would send them."""
    return {name: form[name].value() for name in form.fields}


@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Write a new post."""
    return _compose(request, None)


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Change a post (a scheduled one goes back to draft when its content changes)."""
    return _compose(request, _post(post_id))


@require_POST
def post_check(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Answer the composer as the author types: each account's count by its network's
    rules (a live region), and every problem with a preview per network."""
    post = _post(int(request.POST["post"])) if request.POST.get("post", "").isdigit() else None
    form = _composer_form(request, post, request.POST)
    checks = _checks(request, form) if form.is_valid() else []
    context = {"form": form, "checks": checks, **_previews(form, checks)}
    return render_local(request, "publishing/post_check.html", context)


@require_POST
def post_autosave(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Save a draft as the author types, and say when (or why not) in a live region.
    The first save of a new post creates it and gives the page its id."""
    post = _drafted(request, None)
    created = post is None
    form = _composer_form(request, post, request.POST)
    context: dict[str, Any] = {"post": post}
    if post is not None and post.status != PostStatus.DRAFT:
        context["refusal"] = _(
            "Changes to a post that is not a draft are saved only with the Save button."
        )
    elif not _is_composer(request):
        context["refusal"] = _("Only authors and agency admins can write posts.")
    elif not form.is_valid():
        context["refusal"] = _("Not saved yet: fix the problems shown first.")
    else:
        try:
            context["post"] = _save(request, post, form, reset=None)
        except GovsocialError as error:
            context["refusal"] = error.message
        else:
            context |= {"saved_at": timezone.now(), "created": created}
    response = render_local(request, "publishing/post_autosave.html", context)
    if created and context.get("created"):
        response["HX-Push-Url"] = _edit_url(context["post"])
    return response
