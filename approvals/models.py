"""Approval chains: the ordered steps a post goes through before it may go out, who
decides at each step, and which network accounts a chain applies to.

A chain applies to the accounts it names, or, as the agency's default, to every
account no chain names. A chain without steps names accounts that need no approval.
A post for several accounts follows the strictest chain of its accounts
(``approvals.selectors.chain_for_accounts``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from govsocial.tenancy import AgencyOwned, agency_key
from publishing.models import SocialAccount


class StepRule(models.TextChoices):
    """How many of a step's approvers must approve for the post to go on."""

    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")


class ApprovalChain(AgencyOwned):
    """An agency's ordered approval steps, for the accounts it names or, as the
    default, for every account no chain names."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("the agency's default"),
        default=False,
        help_text=_("Applies to every account that no other chain names."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="approval_chain_name_once"),
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(is_default=True),
                name="approval_chain_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChainAccount(AgencyOwned):
    """A network account an approval chain applies to: one chain at most names an
    account, so which chain an account follows is never in doubt."""

    chain = models.ForeignKey(ApprovalChain, on_delete=models.CASCADE, related_name="accounts")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("account of an approval chain")
        verbose_name_plural = _("accounts of approval chains")
        constraints = [
            models.UniqueConstraint(fields=["account"], name="chain_account_once"),
        ]

    def __str__(self) -> str:
        return f"chain {self.chain_id} → account {self.account_id}"


class ApprovalStep(AgencyOwned):
    """One step of a chain: its approvers (members named, and members holding one of
    ``roles``) and whether any one or all of them must approve."""

    # Indexed by ``approval_step_position_once``, which begins with it.
    chain = models.ForeignKey(
        ApprovalChain, on_delete=models.CASCADE, related_name="steps", db_index=False
    )
    position = models.PositiveSmallIntegerField(_("position"))
    rule = models.CharField(_("rule"), max_length=3, choices=StepRule.choices)
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        default=list,
        blank=True,
        verbose_name=_("roles"),
    )
    # People outside govsocial who approve at this step through a link sent to them
    # (``ExternalLink``): [{"name": …, "email": …}].
    external_approvers = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "position"], name="approval_step_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain} #{self.position}"


class StepApprover(AgencyOwned):
    """A member named as an approver of one step."""

    # Indexed by ``step_approver_once``, which begins with it.
    step = models.ForeignKey(
        ApprovalStep, on_delete=models.CASCADE, related_name="approvers", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("approver of a step")
        verbose_name_plural = _("approvers of steps")
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="step_approver_once"),
        ]

    def __str__(self) -> str:
        return f"step {self.step_id} → user {self.user_id}"


class ApprovalState(models.TextChoices):
    """Where one round of sign-off of a post is."""

    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Approval(AgencyOwned):
    """One round of sign-off of one revision of a post (its content hash), or of a reply
    to a citizen, through the steps of the chain it followed when submitted.

    ``steps`` keeps each step as it stood at submission: its rule and the user ids of
    the people who could decide (the members named and those holding its roles, never
    the post's author), so that changing the chain or the members later changes no
    round already under way. ``step`` is the position of the step deciding now.
    """

    # None for a round of a reply to a citizen (``inbox.InboxReply.approval``).
    post = models.ForeignKey(
        "publishing.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    chain = models.ForeignKey(
        ApprovalChain, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chain_name = models.CharField(_("chain"), max_length=100)
    revision = models.PositiveIntegerField(_("revision"))
    content_hash = models.CharField(max_length=64)
    steps = models.JSONField(default=list)
    step = models.PositiveSmallIntegerField(_("step"), default=1)
    state = models.CharField(
        _("state"), max_length=20, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # What the content rules found in the revision submitted (``approvals.rules``), and
    # whether its submitter acknowledged the warnings among them.
    findings = models.JSONField(default=list)
    warnings_acknowledged = models.BooleanField(default=False)
    # The step whose approvers were last reminded that the round waits (0: none yet).
    reminded_step = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # One round at a time for a post.
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(state="pending"),
                name="approval_one_pending_per_post",
            ),
        ]

    def __str__(self) -> str:
        return f"approval {self.pk} of post {self.post_id}"


class Verdict(models.TextChoices):
    """What an approver decided."""

    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")


class Decision(AgencyOwned):
    """One approver's decision at one step of a round, with what they said."""

    # Indexed by ``decision_once_per_step``, which begins with it.
    approval = models.ForeignKey(
        Approval, on_delete=models.CASCADE, related_name="decisions", db_index=False
    )
    step = models.PositiveSmallIntegerField(_("step"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("decision"), max_length=20, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        ordering = ["decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "step", "decided_by"], name="decision_once_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} by {self.decided_by_id} at step {self.step}"


class EmergencyPublisher(AgencyOwned):
    """A member the agency's admins allow to publish in an emergency, skipping the
    approval chain (admins always may)."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("emergency publisher")
        verbose_name_plural = _("emergency publishers")
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="emergency_publisher_once"),
        ]

    def __str__(self) -> str:
        return f"emergency publisher {self.user_id}"


class ReviewState(models.TextChoices):
    """Where the review owed to an emergency post is."""

    OPEN = "open", _("Waiting for review")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FLAGGED = "flagged", _("Flagged")


class EmergencyReview(AgencyOwned):
    """A post published in an emergency without its chain's approval (the revision that
    went out, and why), and the review its chain's approvers owe it afterwards.

    ``reviewers`` keeps the user ids of everyone who could have approved it, at any step
    of its chain, when it went out (never the person who published it); any one of them
    closes the review: acknowledged, or flagged with a note.
    """

    post = models.ForeignKey("publishing.Post", on_delete=models.CASCADE, related_name="+")
    revision = models.PositiveIntegerField(_("revision"))
    content_hash = models.CharField(max_length=64)
    reason = models.TextField(_("reason"))
    chain_name = models.CharField(_("chain"), max_length=100)
    reviewers = models.JSONField(default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.OPEN
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("emergency review")
        verbose_name_plural = _("emergency reviews")
        ordering = ["published_at", "pk"]

    def __str__(self) -> str:
        return f"emergency review {self.pk} of post {self.post_id}"


class RuleSeverity(models.TextChoices):
    """What a content rule does with what it finds."""

    BLOCK = "block", _("Block: the post cannot be submitted")
    WARN = "warn", _("Warn: the author must acknowledge it")
    OFF = "off", _("Off")


class ContentRule(models.TextChoices):
    """The kinds of content rule (``approvals.rules``)."""

    TERMS = "terms", _("Terms not to use")
    SENSITIVE = "sensitive", _("Personal and internal information")
    ACCESSIBILITY = "accessibility", _("Accessibility")
    LINKS = "links", _("Links")
    BILINGUAL = "bilingual", _("Both official languages")
    BLACKOUT = "blackout", _("Blackout periods")


class ContentRules(AgencyOwned):
    """An agency's content rules (``approvals.rules``): terms it never uses, or only
    knowingly; what it does with personal or internal information, and which of its
    own contacts and internal host names that means; with accessibility slips; with
    links (shorteners, domains not allowed); with a post without its translation; and
    its guidelines, shown beside the composer."""

    blocked_terms = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name=_("blocked terms")
    )
    warned_terms = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        verbose_name=_("terms that warn"),
    )
    sensitive = models.CharField(
        _("personal and internal information"),
        max_length=5,
        choices=RuleSeverity.choices,
        default=RuleSeverity.WARN,
    )
    published_contacts = ArrayField(
        models.CharField(max_length=254),
        default=list,
        blank=True,
        verbose_name=_("the agency's published emails and phone numbers"),
    )
    internal_hosts = ArrayField(
        models.CharField(max_length=253),
        default=list,
        blank=True,
        verbose_name=_("internal host names"),
    )
    accessibility = models.CharField(
        _("accessibility"), max_length=5, choices=RuleSeverity.choices, default=RuleSeverity.WARN
    )
    links = models.CharField(
        _("links"), max_length=5, choices=RuleSeverity.choices, default=RuleSeverity.WARN
    )
    allowed_domains = ArrayField(
        models.CharField(max_length=253),
        default=list,
        blank=True,
        verbose_name=_("domains links may go to"),
    )
    bilingual = models.CharField(
        _("both official languages"),
        max_length=5,
        choices=RuleSeverity.choices,
        default=RuleSeverity.OFF,
    )
    guidelines = models.TextField(_("guidelines"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("content rules")
        verbose_name_plural = _("content rules")
        constraints = [
            models.UniqueConstraint(fields=["agency"], name="content_rules_once_per_agency"),
        ]

    def __str__(self) -> str:
        return f"content rules of agency {self.agency_id}"


class ExternalLink(AgencyOwned):
    """A signed, expiring, single-use link that lets someone outside govsocial (a
    minister's office, legal counsel) see a round's post as each network would show it
    and decide at its step: approve, request changes or reject, with a comment.

    Only the token's digest is kept; the link is emailed when its step starts deciding.
    Its decision is kept here, with the recipient it was sent to.
    """

    # Indexed by ``external_link_once_per_step``, which begins with it.
    approval = models.ForeignKey(
        Approval, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    step = models.PositiveSmallIntegerField(_("step"))
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"))
    token_digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(_("decision"), max_length=20, choices=Verdict.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("approval link")
        verbose_name_plural = _("approval links")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "step", "email"], name="external_link_once_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"link of approval {self.approval_id} step {self.step} for {self.email}"


class PostComment(AgencyOwned):
    """A message in the thread of a post's approval: what its author answers to its
    approvers' decisions, or what anyone of them adds (decisions carry their own
    comments; the thread shows both, in time order)."""

    post = models.ForeignKey("publishing.Post", on_delete=models.CASCADE, related_name="+")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"))
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment on a post")
        verbose_name_plural = _("comments on posts")
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"


class BlackoutPeriod(AgencyOwned):
    """A time when the agency's posts must not go out, or only knowingly (an election
    period), on every account or on those it names: posts meant to go out in it are
    blocked or warned about by the content rules."""

    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    severity = models.CharField(
        _("what it does"),
        max_length=5,
        choices=[c for c in RuleSeverity.choices if c[0] != RuleSeverity.OFF],
        default=RuleSeverity.BLOCK,
    )
    # The network accounts it covers, by id; none: every account.
    account_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        verbose_name = _("blackout period")
        verbose_name_plural = _("blackout periods")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="blackout_period_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name
