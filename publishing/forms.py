"""Forms of publishing's pages: network accounts, the composer, the media library,
crisis pauses, the calendar (moving a post, queue times, importing a schedule)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Membership
from publishing.models import MediaAsset, Post, PostStatus, QueueSlot, SocialAccount, Weekday
from publishing.networks.limits import ALT_TEXT_LONGEST, TEXT_LONGEST
from publishing.selectors import PostFilterChoices


class BlueskyConnectForm(forms.Form):
    """A Bluesky account connects with its handle and an app password."""

    identifier = forms.CharField(
        label=_("Bluesky handle"),
        max_length=253,
        help_text=_("For example agency.bsky.social."),
        error_messages={"required": _("Enter the account's Bluesky handle.")},
    )
    app_password = forms.CharField(
        label=_("App password"),
        max_length=100,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Create one in Bluesky under Settings, Privacy and security, App passwords. "
            "It is used once to connect and is not stored."
        ),
        error_messages={"required": _("Enter an app password of the account.")},
    )

    def clean_identifier(self) -> str:
        identifier: str = self.cleaned_data["identifier"].strip().lstrip("@").lower()
        return identifier


class PublishersForm(forms.Form):
    """Which members and API keys (besides admins and admin keys) may publish to one
    account."""

    members = forms.TypedMultipleChoiceField(
        label=_("Members who may publish to this account"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    api_keys = forms.TypedMultipleChoiceField(
        label=_("API keys that may publish to this account"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args: object, members: list[Membership], api_keys: list[ApiKey], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.by_pk = {m.pk: m for m in members}
        self.keys_by_pk = {key.pk: key for key in api_keys}
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (m.pk, m.user.display_name) for m in members
        ]
        self.fields["api_keys"].choices = [  # type: ignore[attr-defined]
            (
                key.pk,
                _("%(name)s (%(key_id)s), %(role)s, owner %(owner)s")
                % {
                    "name": key.name,
                    "key_id": key.key_id,
                    "role": key.get_role_display(),
                    "owner": key.created_by.display_name,
                },
            )
            for key in api_keys
        ]

    def chosen(self) -> list[Membership]:
        """Return the members ticked."""
        return [self.by_pk[pk] for pk in self.cleaned_data["members"]]

    def chosen_keys(self) -> list[ApiKey]:
        """Return the API keys ticked."""
        return [self.keys_by_pk[pk] for pk in self.cleaned_data["api_keys"]]


class ScheduleTimeForm(forms.Form):
    """When to publish: a local date and time, and which of the two moments when that
    time happens twice."""

    schedule_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as year-month-day, such as 2030-03-31.")},
    )
    schedule_time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter the time as hours and minutes, such as 14:30.")},
    )
    schedule_fold = forms.TypedChoiceField(
        label=_("Which one"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        choices=[(0, _("The first")), (1, _("The second"))],
    )


class ComposerForm(ScheduleTimeForm):
    """A post as the author writes it: base text, accounts with their own text, link,
    files with alt text, language, campaign, and when to publish."""

    text = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        max_length=TEXT_LONGEST,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Every account gets this text unless you write its own below."),
    )
    accounts = forms.TypedMultipleChoiceField(
        label=_("Accounts"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    link = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a full web address, such as https://example.gov.")},
    )
    attachments = forms.TypedMultipleChoiceField(
        label=_("Files"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    campaign = forms.CharField(
        label=_("Campaign"),
        required=False,
        max_length=100,
        help_text=_("A tag to find the campaign's posts together, such as “Winter roads”."),
    )
    # Asked when scheduling approves a post the content rules warn about.
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the content rules' warnings above and schedule the post as it is."),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        accounts: Sequence[SocialAccount],
        assets: Sequence[MediaAsset],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.account_rows = list(accounts)
        self.asset_rows = list(assets)
        self.fields["accounts"].choices = [  # type: ignore[attr-defined]
            (a.pk, str(a)) for a in self.account_rows
        ]
        self.fields["attachments"].choices = [  # type: ignore[attr-defined]
            (a.pk, a.original_name) for a in self.asset_rows
        ]
        for account in self.account_rows:
            self.fields[f"own_{account.pk}"] = forms.BooleanField(
                label=_("Write different text for %(account)s") % {"account": account},
                required=False,
            )
            self.fields[f"variant_{account.pk}"] = forms.CharField(
                label=_("Text for %(account)s") % {"account": account},
                required=False,
                strip=False,
                max_length=TEXT_LONGEST,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.fields[f"comment_{account.pk}"] = forms.CharField(
                label=_("First comment for %(account)s") % {"account": account},
                required=False,
                max_length=TEXT_LONGEST,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "Posted by the account under the post once it is out, such as a link "
                    "or hashtags. Leave empty for none."
                ),
            )
        for asset in self.asset_rows:
            self.fields[f"alt_{asset.pk}"] = forms.CharField(
                label=_("Alt text for %(name)s") % {"name": asset.original_name},
                required=False,
                max_length=ALT_TEXT_LONGEST,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Say what the picture shows, for people who cannot see it."),
            )

    @staticmethod
    def initial_for(post: Post | None, assets: Sequence[MediaAsset]) -> dict[str, Any]:
        """Return the form's starting values: the post's, or a blank post's."""
        initial: dict[str, Any] = {f"alt_{a.pk}": a.alt_text for a in assets}
        if post is None:
            return initial | {"language": "en"}
        initial |= {
            "text": post.text,
            "link": post.link,
            "language": post.language,
            "campaign": post.campaign,
            "accounts": [t.account_id for t in post.targets.all()],
            "attachments": [m.asset_id for m in post.media.all()],
        }
        for target in post.targets.all():
            initial[f"own_{target.account_id}"] = target.has_own_text
            initial[f"variant_{target.account_id}"] = (
                target.text if target.has_own_text else post.text
            )
            initial[f"comment_{target.account_id}"] = target.first_comment
        for attached in post.media.all():
            initial[f"alt_{attached.asset_id}"] = attached.alt_text
        return initial

    def chosen_accounts(self) -> list[SocialAccount]:
        """Return the accounts ticked."""
        ticked = set(self.cleaned_data["accounts"])
        return [a for a in self.account_rows if a.pk in ticked]

    def variants(self, *, reset: int | None = None) -> dict[int, str | None]:
        """Return each ticked account's own text, or None where it says the base text
        (and for ``reset``, whose own text is being given up)."""
        data = self.cleaned_data
        return {
            pk: data.get(f"variant_{pk}", "") if data.get(f"own_{pk}") and pk != reset else None
            for pk in data["accounts"]
        }

    def text_of(self) -> dict[int, str]:
        """Return the text each ticked account gets."""
        return {
            pk: self.cleaned_data["text"] if variant is None else variant
            for pk, variant in self.variants().items()
        }

    def first_comments(self) -> dict[int, str]:
        """Return each ticked account's first comment ("" for none)."""
        return {
            pk: self.cleaned_data.get(f"comment_{pk}", "") for pk in self.cleaned_data["accounts"]
        }

    def chosen_media(self) -> list[tuple[int, str]]:
        """Return the ticked files in their order, each with its alt text."""
        return [
            (pk, self.cleaned_data.get(f"alt_{pk}", "")) for pk in self.cleaned_data["attachments"]
        ]

    def account_fields(self) -> list[tuple[SocialAccount, Any, Any, Any]]:
        """Return each account with its "own text" box, its text and its first comment,
        for the template."""
        return [
            (a, self[f"own_{a.pk}"], self[f"variant_{a.pk}"], self[f"comment_{a.pk}"])
            for a in self.account_rows
        ]

    @property
    def variants_given(self) -> bool:
        """Say whether an account has its own text or a first comment, or a problem in
        either (the composer then shows them unfolded)."""
        return any(
            own.value() or comment.value() or variant.errors or comment.errors
            for _account, own, variant, comment in self.account_fields()
        )

    def media_fields(self) -> list[tuple[MediaAsset, bool, Any]]:
        """Return each library file, whether it is ticked, and its alt text field."""
        ticked = {str(v) for v in (self["attachments"].value() or [])}
        return [(a, str(a.pk) in ticked, self[f"alt_{a.pk}"]) for a in self.asset_rows]


class MediaUploadForm(forms.Form):
    """An image or video for the library, with its alt text."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("A JPEG, PNG, GIF or WebP image, or an MP4 video."),
        error_messages={
            "required": _(
                "Choose a file to upload: a JPEG, PNG, GIF or WebP image, or an MP4 video."
            )
        },
    )
    alt_text = forms.CharField(
        label=_("Alt text"),
        required=False,
        max_length=ALT_TEXT_LONGEST,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Say what the picture shows, for people who cannot see it. A post with this "
            "file cannot be scheduled without it."
        ),
    )
    alt_text_fr = forms.CharField(
        label=_("Alt text in French"),
        required=False,
        max_length=ALT_TEXT_LONGEST,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SearchInput(forms.TextInput):
    input_type = "search"


class PostFilterForm(forms.Form):
    """Narrow the list of posts by words in their text, status, account, author and
    campaign."""

    text = forms.CharField(
        label=_("Text contains"), required=False, max_length=200, widget=SearchInput
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    account = forms.TypedChoiceField(
        label=_("Account"), coerce=int, required=False, empty_value=None
    )
    author = forms.TypedChoiceField(label=_("Author"), coerce=int, required=False, empty_value=None)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)

    def __init__(self, *args: Any, choices: PostFilterChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = choices
        anything = [("", _("Any"))]
        self.fields["status"].choices = anything + list(PostStatus.choices)  # type: ignore[attr-defined]
        self.fields["account"].choices = anything + choices.accounts  # type: ignore[attr-defined]
        self.fields["author"].choices = anything + choices.authors  # type: ignore[attr-defined]
        self.fields["campaign"].choices = anything + [(c, c) for c in choices.campaigns]  # type: ignore[attr-defined]

    @property
    def version(self) -> str:
        """Return what the form shows depends on, besides the language: what it offers
        and the values it was given (the last of each name, which its fields read; its
        errors follow from the two)."""
        given = sorted(self.data.items()) if self.is_bound else None
        return repr((self.offered, given))

    def filters(self) -> dict[str, Any] | None:
        """Return the chosen filters as ``post_list`` takes them; None when one names
        nothing that exists (no post matches it)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return {
            "status": data["status"],
            "account_id": data["account"],
            "author_id": data["author"],
            "campaign": data["campaign"],
            "text": data["text"],
        }


class PauseForm(forms.Form):
    """Why publishing stops, for which accounts, and until when."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why publishing is paused.")},
    )
    accounts = forms.TypedMultipleChoiceField(
        label=_("Accounts to pause (none ticked: every account)"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    until = forms.DateTimeField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time like 2026-03-08 14:30.")},
    )

    def __init__(self, *args: object, accounts: list[SocialAccount], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.by_pk = {a.pk: a for a in accounts}
        self.fields["accounts"].choices = [(a.pk, str(a)) for a in accounts]  # type: ignore[attr-defined]

    def chosen(self) -> list[SocialAccount]:
        """Return the accounts ticked."""
        return [self.by_pk[pk] for pk in self.cleaned_data["accounts"]]


class ResumeForm(forms.Form):
    """What happens to posts whose time passed during the pause."""

    overdue = forms.ChoiceField(
        label=_("Posts whose time passed during the pause"),
        choices=[
            ("held", _("Keep them held: their authors give them new times")),
            ("now", _("Publish them now")),
        ],
        widget=forms.RadioSelect,
        initial="held",
    )


class MoveForm(ScheduleTimeForm):
    """A new day (and time) for a scheduled post; without a time it keeps its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schedule_date"].required = True
        self.fields["schedule_date"].error_messages["required"] = _(
            "Enter the date to move the post to."
        )


class PostIdsField(forms.Field):
    """Posts ticked in a list, by id, each once."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick the posts to act on."),
        "invalid": _("Tick the posts in the list."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return list(dict.fromkeys(int(v) for v in value))
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PostsActionForm(MoveForm):
    """What to do with several posts ticked in a list: move them to another day (each
    keeping its time of day, unless a time is given), take them off the schedule, or
    delete them (drafts only)."""

    MOVE, UNSCHEDULE, DELETE = "move", "unschedule", "delete"
    # More than a page of the list is a mistake rather than a choice.
    MOST = 100

    action = forms.ChoiceField(
        label=_("With the ticked posts"),
        choices=[
            (MOVE, _("Move to the date below")),
            (UNSCHEDULE, _("Take off the schedule")),
            (DELETE, _("Delete (drafts only)")),
        ],
        error_messages={"required": _("Choose what to do with the ticked posts.")},
    )
    posts = PostIdsField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schedule_date"].required = False
        self.fields["schedule_date"].label = _("Move to")
        self.fields["schedule_time"].label = _("At (optional: each keeps its time)")

    def clean_posts(self) -> list[int]:
        posts: list[int] = self.cleaned_data["posts"]
        if len(posts) > self.MOST:
            raise forms.ValidationError(
                _("Tick at most %(most)s posts at a time.") % {"most": self.MOST}
            )
        return posts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        moving = data.get("action") == self.MOVE
        if moving and not data.get("schedule_date") and "schedule_date" not in self.errors:
            self.add_error("schedule_date", _("Enter the date to move the posts to."))
        return data


# A queue time as people type it: 9:00, 09:00, 14:30, 9h00.
QUEUE_TIME = re.compile(r"^(\d{1,2})[:h](\d{2})$")


class QueueSlotsForm(forms.Form):
    """An account's queue times, day by day, in the agency's time zone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday, name in Weekday.choices:
            self.fields[f"day_{weekday}"] = forms.CharField(
                label=name,
                required=False,
                max_length=200,
                help_text=_("Times separated by commas, such as 9:00, 14:00."),
            )

    @staticmethod
    def initial_for(slots: Sequence[QueueSlot]) -> dict[str, str]:
        """Return the form's starting values: the account's slots, day by day."""
        days: dict[str, list[str]] = {}
        for slot in slots:
            days.setdefault(f"day_{slot.weekday}", []).append(f"{slot.time:%H:%M}")
        return {name: ", ".join(times) for name, times in days.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday, _name in Weekday.choices:
            field = f"day_{weekday}"
            for written in re.split(r"[,;\s]+", data.get(field, "").strip()):
                if not written:
                    continue
                match = QUEUE_TIME.match(written)
                hour, minute = (int(match[1]), int(match[2])) if match else (99, 99)
                if hour > 23 or minute > 59:
                    self.add_error(
                        field,
                        _(
                            "“%(time)s” is not a time: write times like 9:00 or 14:30, "
                            "separated by commas."
                        )
                        % {"time": written},
                    )
        return data

    def slots(self) -> list[tuple[int, time]]:
        """Return the (weekday, time) pairs written."""
        found = []
        for weekday, _name in Weekday.choices:
            for written in re.split(r"[,;\s]+", self.cleaned_data[f"day_{weekday}"].strip()):
                if match := QUEUE_TIME.match(written):
                    found.append((weekday, time(int(match[1]), int(match[2]))))
        return found

    def day_fields(self) -> list[Any]:
        """Return the bound fields, Monday first."""
        return [self[f"day_{weekday}"] for weekday, _name in Weekday.choices]


class ScheduleImportForm(forms.Form):
    """A CSV file of posts to schedule."""

    file = forms.FileField(
        label=_("CSV file"),
        error_messages={"required": _("Choose a CSV file to upload.")},
    )
