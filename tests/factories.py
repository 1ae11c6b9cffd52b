"""Factories for tests: agencies, people and memberships, created in their agency's scope."""

from __future__ import annotations

import base64
import itertools
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from datetime import time as time_of_day
from typing import Any

import factory
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
)
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from rfc3161_client import TimestampRequestBuilder, decode_timestamp_response

import archive
from accounts import services
from accounts.models import (
    Agency,
    AgencySignOn,
    ApiKey,
    IdempotencyKey,
    Invitation,
    Membership,
    Role,
    SignOnDomain,
    SignOnProtocol,
    User,
)
from accounts.selectors import token_digest
from approvals.models import (
    Approval,
    ApprovalChain,
    ApprovalStep,
    BlackoutPeriod,
    ChainAccount,
    ContentRules,
    Decision,
    EmergencyPublisher,
    EmergencyReview,
    ExternalLink,
    PostComment,
    StepApprover,
    StepRule,
    Verdict,
)
from archive.archiver import archiver_set
from archive.entries import FACT_FIELDS, event_leaf
from archive.exports import package_start
from archive.holds import hold_place
from archive.models import (
    ArchiveContent,
    ArchiveContentBytes,
    ArchiveContentErasure,
    ArchiveEvent,
    ArchiveHead,
    ArchiveLeaf,
    ArchiveSubtree,
    ArchiveTimestamp,
    Disposition,
    ExportPackage,
    Holiday,
    LegalHold,
    OutsideArchiver,
    RecordSeries,
    RecordsRequest,
    Redaction,
    RedactionReason,
    RequestKind,
    RetentionSchedule,
    SavedSearch,
)
from archive.redaction import redaction_mark
from archive.requests import holiday_add, request_open, search_save
from archive.retention import schedule_set
from archive.selectors import log_size
from archive.services import SYSTEM, head_sign
from emulator.media import png
from emulator.tsa import Authority
from govsocial.tenancy import agency_scope
from inbox import moderation as inbox_moderation
from inbox import replies as inbox_replies
from inbox import routing as inbox_routing
from inbox import saved as inbox_saved
from inbox import services as inbox_services
from inbox.models import (
    BlockedAuthor,
    Coverage,
    InboxItem,
    InboxItemMedia,
    InboxItemVersion,
    InboxNote,
    InboxPoll,
    InboxReply,
    MediaState,
    PolicyClause,
    RoutingRule,
    SavedReply,
)
from notifications.models import Kind, Notification
from notifications.services import notify
from publishing import services as publishing_services
from publishing.content import post_content_hash
from publishing.models import (
    DispatchTicket,
    MediaAsset,
    PausedAccount,
    Post,
    PostMedia,
    PostRevision,
    PostStatus,
    PostTarget,
    PublishingPause,
    QueueSlot,
    SocialAccount,
    SocialAccountKeyPublisher,
    SocialAccountPicture,
    SocialAccountPublisher,
    TargetState,
)
from publishing.networks.base import (
    InboundItem,
    InboundKind,
    InboundMedia,
    InboundMediaKind,
    Network,
)
from tests.emulator_client import Emulator

PASSWORD = "correct horse battery staple"
SESSION = uuid.uuid4().hex[:8]
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET) -> str:
    """Return the code an authenticator app shows for ``secret`` right now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    time_zone = "America/Toronto"
    languages = factory.LazyFunction(lambda: ["en", "fr"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    # Unique across test sessions too: tests of real processes commit their people.
    email = factory.Sequence(lambda n: f"person{n}-{SESSION}@example.gov")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def two_factor(self, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        """Give the person an authenticator app (TOTP_SECRET) unless two_factor=False."""
        if create and extracted is not False:
            TOTP.activate(self, TOTP_SECRET)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [Role.AUTHOR])

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        with agency_scope(kwargs["agency"].pk):
            return super()._create(model_class, *args, **kwargs)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    agency = factory.SubFactory(AgencyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.gov")
    roles = factory.LazyFunction(lambda: [Role.AUTHOR])
    token_hash = factory.Sequence(lambda n: token_digest(f"token-{n}"))
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @classmethod
    def _create(cls, model_class: type[Invitation], *args: Any, **kwargs: Any) -> Invitation:
        with agency_scope(kwargs["agency"].pk):
            return super()._create(model_class, *args, **kwargs)


def archive_event_for(agency: Agency) -> ArchiveEvent:
    """Record one event of ``agency``, as the application does."""
    with agency_scope(agency.pk), transaction.atomic():
        return archive.record(agency=agency, actor=SYSTEM, verb="test.event")


def archive_leaf_for(agency: Agency) -> ArchiveLeaf:
    """Place a new event of ``agency`` last in its log, as the sequencer would once the
    event's transaction has committed (a test's never does)."""
    event = archive_event_for(agency)
    with agency_scope(agency.pk), transaction.atomic():
        leaf: ArchiveLeaf = ArchiveLeaf.objects.create(
            agency=agency,
            position=log_size(),
            event=event,
            hash=event_leaf(
                {name: getattr(event, name) for name in FACT_FIELDS}, commitment=event.commitment
            ),
        )
    return leaf


def records_request_for(agency: Agency) -> RecordsRequest:
    """Open a public-records request of ``agency``, as its records officer does."""
    officer = MembershipFactory(agency=agency, roles=[Role.RECORDS_OFFICER]).user
    with agency_scope(agency.pk):
        return request_open(
            agency=agency,
            actor=officer,
            person=officer,
            kind=RequestKind.PUBLIC_RECORDS,
            requester="Dana Reporter",
            requester_email="dana@news.example",
            subject="Every comment hidden on the city's accounts in March",
            received_on=date(2026, 3, 2),
        )


def saved_search_for(agency: Agency) -> SavedSearch:
    """Save a search on a new records request of ``agency``."""
    request = records_request_for(agency)
    with agency_scope(agency.pk):
        return search_save(
            request=request,
            actor=request.opened_by,
            person=request.opened_by,
            name="Hidden",
            criteria={"action": "inbox."},
        )


def legal_hold_for(agency: Agency) -> LegalHold:
    """Hold what a new request's saved search finds."""
    saved = saved_search_for(agency)
    with agency_scope(agency.pk):
        return hold_place(
            search=saved, actor=saved.saved_by, person=saved.saved_by, reason="Litigation"
        )


def redaction_for(agency: Agency) -> Redaction:
    """Mark a name to keep out of a new request's released copies."""
    request = records_request_for(agency)
    with agency_scope(agency.pk):
        return redaction_mark(
            request=request,
            actor=request.opened_by,
            person=request.opened_by,
            reason=RedactionReason.FOIA_PRIVACY,
            words="Jane Citizen",
        )


def content_erasure_for(agency: Agency) -> ArchiveContentErasure:
    """Note kept content of ``agency`` as erased (its bytes deleted)."""
    kept = archive_content_for(agency)
    with agency_scope(agency.pk):
        erasure: ArchiveContentErasure = ArchiveContentErasure.objects.create(
            agency=agency, sha256=kept.sha256, reason="GDPR Art. 17"
        )
    return erasure


def outside_archiver_for(agency: Agency) -> OutsideArchiver:
    """Name ``agency``'s outside archiving service, its monthly copies on."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return archiver_set(
            agency=agency, actor=admin, person=admin, name="ArchiveSocial", active=True
        )


def retention_schedule_for(agency: Agency) -> RetentionSchedule:
    """Keep ``agency``'s sign-ins and administration six years, as its admin decides."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        schedule_set(
            agency=agency, actor=admin, person=admin, series=RecordSeries.ACTIVITY, keep_days=2190
        )
        return RetentionSchedule.objects.get()


def disposition_for(agency: Agency) -> Disposition:
    """Propose the disposal of ``agency``'s routine citizens' messages, one of them due."""
    item = inbox_item_for(agency)
    with agency_scope(agency.pk):
        return Disposition.objects.create(
            agency=agency,
            series=RecordSeries.CITIZENS_ROUTINE,
            keep_days=90,
            before=timezone.now(),
            found=1,
            held=0,
            first_at=item.received_at,
            last_at=item.received_at,
        )


def export_package_for(agency: Agency) -> ExportPackage:
    """Ask for a package of a new request's saved search (left waiting for a worker)."""
    saved = saved_search_for(agency)
    with agency_scope(agency.pk):
        return package_start(
            request=saved.request,
            actor=saved.saved_by,
            person=saved.saved_by,
            time_zone="UTC",
            language="en",
        )


def holiday_for(agency: Agency) -> Holiday:
    """Add a holiday to ``agency``'s calendar."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return holiday_add(agency=agency, actor=admin, day=date(2026, 12, 25), name="Christmas Day")


def archive_content_for(agency: Agency) -> ArchiveContent:
    """Keep a document in ``agency``'s archive, as publishing does."""
    with agency_scope(agency.pk):
        (digest,) = archive.keep_documents(agency=agency, documents=[{"made": "by a test"}])
        content: ArchiveContent = ArchiveContent.objects.get(sha256=digest)
    return content


def content_bytes_for(agency: Agency) -> ArchiveContentBytes:
    """Keep a small document in ``agency``'s archive: its bytes in the database."""
    kept = archive_content_for(agency)
    with agency_scope(agency.pk):
        held: ArchiveContentBytes = ArchiveContentBytes.objects.get(sha256=kept.sha256)
    return held


def archive_subtree_for(agency: Agency) -> ArchiveSubtree:
    """Store the hash of a subtree of ``agency``'s log that no other row holds."""
    with agency_scope(agency.pk), transaction.atomic():
        index = ArchiveSubtree.objects.filter(level=1).count()
        subtree: ArchiveSubtree = ArchiveSubtree.objects.create(
            agency=agency, level=1, index=index, hash=secrets.token_hex(32)
        )
    return subtree


def archive_head_for(agency: Agency) -> ArchiveHead:
    """Sign ``agency``'s log once more, as the periodic task does."""
    with agency_scope(agency.pk), transaction.atomic():
        return head_sign(agency_id=agency.pk)


def archive_timestamp_for(agency: Agency) -> ArchiveTimestamp:
    """Sign ``agency``'s log and have an authority (the emulator's, in this process)
    stamp the head."""
    head = archive_head_for(agency)
    query = TimestampRequestBuilder().data(base64.b64decode(head.signature)).build()
    response = Authority().answer(query.as_bytes())
    with agency_scope(agency.pk):
        stamp: ArchiveTimestamp = ArchiveTimestamp.objects.create(
            agency=agency,
            head=head,
            authority="emulator",
            response=response,
            stamped_at=decode_timestamp_response(response).tst_info.gen_time,
        )
    return stamp


def api_key_for(agency: Agency, role: str = Role.ADMIN, **fields: Any) -> tuple[ApiKey, str]:
    """Create an API key of ``agency`` as one of its admins does; return it and its token."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        key, token = services.api_key_create(agency=agency, actor=admin, name="Website", role=role)
        if fields:
            ApiKey.objects.filter(pk=key.pk).update(**fields)
    return key, token


def idempotency_key_for(agency: Agency) -> IdempotencyKey:
    """Claim an idempotency key for a request of a new API key of ``agency``, as the API
    does before the request acts."""
    key, _token = api_key_for(agency)
    with agency_scope(agency.pk):
        return services.idempotency_key_claim(
            agency=agency, caller=key, key=str(uuid.uuid4()), request_hash="0" * 64
        )


def sign_on_for(agency: Agency, **settings: Any) -> AgencySignOn:
    """Connect an identity provider for ``agency`` as one of its admins does."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    defaults: dict[str, Any] = {
        "protocol": SignOnProtocol.OIDC,
        "display_name": f"{agency.name} staff account",
        "domains": [f"{agency.slug}.example"],
        "issuer_url": "https://idp.example/",
        "client_id": "govsocial",
        "client_secret": "client-secret",
    }
    with agency_scope(agency.pk):
        return services.sign_on_configure(
            agency=agency, actor=admin, new=services.SignOnSettings(**(defaults | settings))
        )


def sign_on_domain_for(agency: Agency) -> SignOnDomain:
    sign_on_for(agency)
    with agency_scope(agency.pk):
        domain: SignOnDomain = SignOnDomain.objects.get()
    return domain


_REMOTE_IDS = itertools.count(1_500_000_000_000_000_001)


def social_account_for(agency: Agency, **fields: Any) -> SocialAccount:
    """Store a connected account of ``agency`` (tokens as an OAuth grant gives them)."""
    connected_by = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    values: dict[str, Any] = {
        "network": Network.X,
        "remote_id": str(next(_REMOTE_IDS)),
        "handle": f"@{agency.slug}",
        "access_token": "access-token",
        "refresh_token": "refresh-token",
    }
    with agency_scope(agency.pk):
        account: SocialAccount = SocialAccount.objects.create(
            agency=agency, connected_by=connected_by, **(values | fields)
        )
    return account


def account_picture_for(agency: Agency, **fields: Any) -> SocialAccountPicture:
    """Keep a picture for a new account of ``agency``, as its health check would."""
    digest = "d" * 64
    account = fields.pop("account", None) or social_account_for(agency, picture_digest=digest)
    values = {"source_url": "https://pictures.example/riverton.png", "png": b"png"}
    with agency_scope(agency.pk):
        picture: SocialAccountPicture = SocialAccountPicture.objects.create(
            agency=agency, account=account, **(values | fields)
        )
    return picture


def publisher_for(agency: Agency, **fields: Any) -> SocialAccountPublisher:
    """Let a new author of ``agency`` publish to a new account of it."""
    account = fields.pop("account", None) or social_account_for(agency)
    user = fields.pop("user", None) or MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
    with agency_scope(agency.pk):
        publisher: SocialAccountPublisher = SocialAccountPublisher.objects.create(
            agency=agency,
            content_object=account,
            user=user,
            permission=SocialAccountPublisher.publish_permission(),
        )
    return publisher


def key_publisher_for(agency: Agency, **fields: Any) -> SocialAccountKeyPublisher:
    """Let a new author key of ``agency`` publish to a new account of it."""
    account = fields.pop("account", None) or social_account_for(agency)
    api_key = fields.pop("api_key", None) or api_key_for(agency, role=Role.AUTHOR)[0]
    with agency_scope(agency.pk):
        publisher: SocialAccountKeyPublisher = SocialAccountKeyPublisher.objects.create(
            agency=agency, account=account, api_key=api_key
        )
    return publisher


def post_for(agency: Agency, **fields: Any) -> Post:
    """Store a draft post of ``agency`` by a new author."""
    author = MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
    with agency_scope(agency.pk):
        post: Post = Post.objects.create(
            agency=agency, author=author, **({"text": "Road closures this weekend."} | fields)
        )
    return post


def post_target_for(agency: Agency, **fields: Any) -> PostTarget:
    """Store a post of ``agency`` aimed at one of its accounts."""
    post = fields.pop("post", None) or post_for(agency)
    account = fields.pop("account", None) or social_account_for(agency)
    with agency_scope(agency.pk):
        target: PostTarget = PostTarget.objects.create(
            agency=agency, post=post, account=account, **fields
        )
    return target


def post_revision_for(agency: Agency, **fields: Any) -> PostRevision:
    """Store a first revision of a post of ``agency``."""
    post = fields.pop("post", None) or post_for(agency)
    with agency_scope(agency.pk):
        revision: PostRevision = PostRevision.objects.create(
            agency=agency,
            post=post,
            created_by=post.author,
            **({"number": 1, "content": {"text": post.text}, "content_hash": "0" * 64} | fields),
        )
    return revision


def media_asset_for(agency: Agency, **fields: Any) -> MediaAsset:
    """Store an image in the media library of ``agency``."""
    uploader = MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
    values: dict[str, Any] = {
        "file": f"agencies/{agency.pk}/media/example",
        "original_name": "closure-map.png",
        "mime_type": "image/png",
        "size_bytes": 1024,
        "sha256": "1" * 64,
        "alt_text": "Map of the closed streets.",
    }
    with agency_scope(agency.pk):
        asset: MediaAsset = MediaAsset.objects.create(
            agency=agency, uploaded_by=uploader, **(values | fields)
        )
    return asset


def uploaded_media_for(
    agency: Agency, data: bytes = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
) -> MediaAsset:
    """Upload a file to the media library of ``agency`` as one of its admins does (the
    file is stored, under the test's MEDIA_ROOT)."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return publishing_services.media_upload(
            agency=agency,
            actor=admin,
            file=ContentFile(data, name="closure-map.png"),
            alt_text="Map of the closed streets.",
        )


def post_media_for(agency: Agency, **fields: Any) -> PostMedia:
    """Attach a library image to a post of ``agency``."""
    post = fields.pop("post", None) or post_for(agency)
    asset = fields.pop("asset", None) or media_asset_for(agency)
    with agency_scope(agency.pk):
        attached: PostMedia = PostMedia.objects.create(
            agency=agency, post=post, asset=asset, **({"position": 0} | fields)
        )
    return attached


def pause_for(agency: Agency, **fields: Any) -> PublishingPause:
    """Store a pause of every account of ``agency``, started by one of its admins."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        pause: PublishingPause = PublishingPause.objects.create(
            agency=agency, started_by=admin, **({"reason": "Flood warning."} | fields)
        )
    return pause


def paused_account_for(agency: Agency) -> PausedAccount:
    """Store a pause of ``agency`` naming one of its accounts."""
    pause, account = pause_for(agency), social_account_for(agency)
    with agency_scope(agency.pk):
        named: PausedAccount = PausedAccount.objects.create(
            agency=agency, pause=pause, account=account
        )
    return named


def queue_slot_for(agency: Agency, **fields: Any) -> QueueSlot:
    """Store a Monday 9:00 queue slot of a new account of ``agency``."""
    account = fields.pop("account", None) or social_account_for(agency)
    with agency_scope(agency.pk):
        slot: QueueSlot = QueueSlot.objects.create(
            agency=agency, account=account, **({"weekday": 0, "time": "09:00"} | fields)
        )
    return slot


def dispatch_ticket_for(agency: Agency) -> DispatchTicket:
    """Schedule a target of ``agency`` an hour ahead; return the ticket it gets."""
    target = post_target_for(
        agency, state=TargetState.SCHEDULED, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    with agency_scope(agency.pk):
        ticket: DispatchTicket = DispatchTicket.objects.get(target=target)
    return ticket


def emulated_account_for(
    agency: Agency, emulator: Emulator, network: str, handle: str
) -> SocialAccount:
    """Create an account on the emulator and connect it to ``agency`` with the tokens the
    emulator issued, as connecting it through the network would."""
    found = emulator.account("facebook" if network == "instagram" else network, handle)
    fields: dict[str, Any] = {"access_token": found.get("access_token", "")}
    if network == "x":
        fields |= {"remote_id": found["id"], "refresh_token": found["refresh_token"]}
    elif network == "facebook":
        fields |= {
            "remote_id": found["id"],
            "access_token": found["page_access_token"],
            "extra": {"page_id": found["id"]},
        }
    elif network == "instagram":
        fields |= {"remote_id": found["instagram_id"], "access_token": found["page_access_token"]}
    elif network == "mastodon":
        fields |= {"remote_id": found["id"], "refresh_token": ""}
    else:
        fields |= {
            "remote_id": found["did"],
            "access_token": found["accessJwt"],
            "refresh_token": found["refreshJwt"],
        }
    return social_account_for(agency, network=network, handle=found["handle"], **fields)


def scheduled_post_for(
    agency: Agency,
    accounts: list[SocialAccount],
    *,
    at: Any = None,
    approved: bool = True,
    first_comment: str = "",
    **fields: Any,
) -> Post:
    """Store a post of ``agency`` for ``accounts`` (each with ``first_comment``), approved
    as it is and scheduled at ``at`` (now by default), as the composer and approvals
    leave it."""
    at = at or timezone.now()
    # All of it at once: a test's dispatcher and workers must not find a target due
    # before its post is approved (they would refuse it as not approved).
    with transaction.atomic(), agency_scope(agency.pk):
        post = post_for(agency, status=PostStatus.SCHEDULED, scheduled_at=at, **fields)
        for account in accounts:
            PostTarget.objects.create(
                agency=agency,
                post=post,
                account=account,
                state=TargetState.SCHEDULED,
                next_attempt_at=at,
                first_comment=first_comment,
            )
        if approved:
            post.approved_hash = post_content_hash(post)
            post.save(update_fields=["approved_hash"])
    return post


# One way to make a row of each agency-owned model for a given agency; the isolation
# meta-test fails when a model has none.
def approval_chain_for(agency: Agency, **fields: Any) -> ApprovalChain:
    """Store an approval chain of ``agency`` (no steps, no accounts)."""
    fields.setdefault("name", f"Chain {uuid.uuid4().hex[:8]}")
    with agency_scope(agency.pk):
        chain: ApprovalChain = ApprovalChain.objects.create(agency=agency, **fields)
    return chain


def chain_account_for(agency: Agency) -> ChainAccount:
    """Make a new chain of ``agency`` apply to a new account of it."""
    chain, account = approval_chain_for(agency), social_account_for(agency)
    with agency_scope(agency.pk):
        link: ChainAccount = ChainAccount.objects.create(
            agency=agency, chain=chain, account=account
        )
    return link


def approval_step_for(agency: Agency, **fields: Any) -> ApprovalStep:
    """Store a first step of a new chain of ``agency``, decided by any approver."""
    fields.setdefault("chain", approval_chain_for(agency))
    fields.setdefault("position", 1)
    fields.setdefault("rule", StepRule.ANY)
    fields.setdefault("roles", [Role.APPROVER])
    with agency_scope(agency.pk):
        step: ApprovalStep = ApprovalStep.objects.create(agency=agency, **fields)
    return step


def step_approver_for(agency: Agency) -> StepApprover:
    """Name a new member of ``agency`` approver of a new step."""
    step, member = approval_step_for(agency), MembershipFactory(agency=agency)
    with agency_scope(agency.pk):
        approver: StepApprover = StepApprover.objects.create(
            agency=agency, step=step, user=member.user
        )
    return approver


def approval_for(agency: Agency) -> Approval:
    """Store a pending round of sign-off of a new draft of ``agency``, by a new approver."""
    post, approver = post_for(agency), MembershipFactory(agency=agency, roles=[Role.APPROVER])
    with agency_scope(agency.pk):
        approval: Approval = Approval.objects.create(
            agency=agency,
            post=post,
            chain_name="Chain",
            revision=1,
            content_hash="0" * 64,
            steps=[{"rule": StepRule.ANY, "approvers": [approver.user_id]}],
            submitted_by=post.author,
        )
    return approval


def decision_for(agency: Agency) -> Decision:
    """Store an approval at the first step of a new round of ``agency``."""
    approval = approval_for(agency)
    with agency_scope(agency.pk):
        decision: Decision = Decision.objects.create(
            agency=agency,
            approval=approval,
            step=1,
            decided_by_id=approval.steps[0]["approvers"][0],
            verdict=Verdict.APPROVE,
        )
    return decision


def emergency_publisher_for(agency: Agency) -> EmergencyPublisher:
    """Allow a new author of ``agency`` to publish in an emergency."""
    member = MembershipFactory(agency=agency, roles=[Role.AUTHOR])
    with agency_scope(agency.pk):
        allowed: EmergencyPublisher = EmergencyPublisher.objects.create(
            agency=agency, user=member.user
        )
    return allowed


def emergency_review_for(agency: Agency) -> EmergencyReview:
    """Store the open review of a new post of ``agency`` published in an emergency."""
    post, approver = post_for(agency), MembershipFactory(agency=agency, roles=[Role.APPROVER])
    with agency_scope(agency.pk):
        review: EmergencyReview = EmergencyReview.objects.create(
            agency=agency,
            post=post,
            revision=1,
            content_hash="0" * 64,
            reason="Boil-water advisory",
            chain_name="Chain",
            reviewers=[approver.user_id],
            published_by=post.author,
        )
    return review


def content_rules_for(agency: Agency) -> ContentRules:
    """Store content rules for ``agency`` (one term blocked)."""
    with agency_scope(agency.pk):
        rules: ContentRules = ContentRules.objects.create(agency=agency, blocked_terms=["jerk"])
    return rules


def external_link_for(agency: Agency, token: str = "") -> ExternalLink:
    """Store a link of a new round of ``agency`` for someone outside govsocial (the
    token ``token``, else a new one), valid for a day."""
    approval = approval_for(agency)
    with agency_scope(agency.pk):
        link: ExternalLink = ExternalLink.objects.create(
            agency=agency,
            approval=approval,
            step=1,
            name="Minister's Office",
            email=f"minister-{uuid.uuid4().hex[:8]}@example.gov",
            token_digest=token_digest(token or uuid.uuid4().hex),
            expires_at=timezone.now() + timedelta(days=1),
        )
    return link


def post_comment_for(agency: Agency) -> PostComment:
    """Store a message about a new draft of ``agency``, by its author."""
    post = post_for(agency)
    with agency_scope(agency.pk):
        comment: PostComment = PostComment.objects.create(
            agency=agency, post=post, written_by=post.author, text="Until when?"
        )
    return comment


def blackout_for(agency: Agency) -> BlackoutPeriod:
    """Store a blackout period of ``agency``, next month, on every account."""
    start = timezone.now() + timedelta(days=30)
    with agency_scope(agency.pk):
        period: BlackoutPeriod = BlackoutPeriod.objects.create(
            agency=agency,
            name="Election period",
            starts_at=start,
            ends_at=start + timedelta(days=7),
        )
    return period


def inbox_item_for(agency: Agency, text: str = "When does the pool open?") -> InboxItem:
    """Receive a citizen's comment on an account of ``agency``, as polling does."""
    account = social_account_for(agency)
    comment = InboundItem(
        remote_id=uuid.uuid4().hex,
        kind=InboundKind.COMMENT,
        author_handle="amara_okafor",
        author_name="Amara Okafor",
        text=text,
        created_at=timezone.now(),
    )
    with agency_scope(agency.pk):
        (item,) = inbox_services.items_receive(account=account, items=[comment])
    return item


def inbox_version_for(agency: Agency) -> InboxItemVersion:
    """Receive a citizen's comment; return its first version."""
    item = inbox_item_for(agency)
    with agency_scope(agency.pk):
        version: InboxItemVersion = InboxItemVersion.objects.get(item=item)
    return version


# A citizen's photo as kept: a small PNG.
CITIZENS_PHOTO = png(7)


def inbox_media_for(agency: Agency, *, mime_type: str = "image/png") -> InboxItemMedia:
    """Receive a citizen's comment with a photo (or a video), kept as fetching keeps it."""
    account = social_account_for(agency)
    comment = InboundItem(
        remote_id=uuid.uuid4().hex,
        kind=InboundKind.COMMENT,
        author_handle="amara_okafor",
        author_name="Amara Okafor",
        text="Look at this pothole",
        created_at=timezone.now(),
        media=(
            InboundMedia(
                url="https://files.example/pothole",
                kind=InboundMediaKind(mime_type.split("/")[0]),
                mime_type=mime_type,
                alt_text="A pothole",
            ),
        ),
    )
    content = CITIZENS_PHOTO if mime_type.startswith("image/") else b"\x00\x00\x00\x18ftypmp42"
    with agency_scope(agency.pk):
        inbox_services.items_receive(account=account, items=[comment])
        [digest] = archive.keep(agency=agency, contents=[(content, mime_type)])
        media: InboxItemMedia = InboxItemMedia.objects.get(item__remote_id=comment.remote_id)
        media.state, media.content, media.size = MediaState.KEPT, digest, len(content)
        media.kept_at = timezone.now()
        media.save(update_fields=["state", "content", "size", "kept_at"])
    return media


def inbox_poll_for(agency: Agency) -> InboxPoll:
    """Store where polling a new account of ``agency`` has got to."""
    account = social_account_for(agency)
    with agency_scope(agency.pk):
        poll: InboxPoll = InboxPoll.objects.create(agency=agency, account=account, cursor="c1")
    return poll


def inbox_reply_for(agency: Agency) -> InboxReply:
    """Write the agency's reply to a citizen's comment, as the item's page does."""
    item = inbox_item_for(agency)
    author = MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
    with agency_scope(agency.pk):
        return inbox_replies.reply_create(item=item, text="Monday at 9.", actor=author)


def policy_clause_for(agency: Agency) -> PolicyClause:
    """Add a clause to the comment policy of ``agency``, as its admin does."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return inbox_moderation.clause_add(
            agency=agency, code=uuid.uuid4().hex[:8], title="Personal attacks", text="", actor=admin
        )


def saved_reply_for(agency: Agency) -> SavedReply:
    """Keep a reply ready for ``agency``, as its admin does."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return inbox_saved.saved_reply_add(
            agency=agency, title="Hours", text_en="Open 9 to 5.", text_fr="", actor=admin
        )


def inbox_note_for(agency: Agency) -> InboxNote:
    """Write a member's note on a citizen's comment to ``agency``."""
    item = inbox_item_for(agency)
    author = MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
    with agency_scope(agency.pk):
        return inbox_services.note_add(item=item, text="Ask the pools team.", actor=author)


def routing_rule_for(agency: Agency) -> RoutingRule:
    """Write a routing rule for ``agency``, as its admin does."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return inbox_routing.rule_add(
            agency=agency,
            actor=admin,
            name="Roads",
            words=["pothole"],
            account=None,
            assignee=None,
            tag="roads",
            priority="high",
        )


def blocked_author_for(agency: Agency) -> BlockedAuthor:
    """Block, from an account of ``agency``, the author of a comment it received (the
    row moderation writes once the network has blocked them)."""
    item = inbox_item_for(agency)
    with agency_scope(agency.pk):
        blocked: BlockedAuthor = BlockedAuthor.objects.create(
            agency=agency, account=item.account, author_handle=item.author_handle
        )
    return blocked


def coverage_for(agency: Agency, *, replies_need_approval: bool = False) -> Coverage:
    """Set ``agency``'s inbox hours and urgent words, and whether its replies pass
    approval, as its admin does."""
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        return inbox_routing.coverage_set(
            agency=agency,
            actor=admin,
            weekdays=[0, 1, 2, 3, 4],
            opens_at=time_of_day(9),
            closes_at=time_of_day(17),
            after_hours=[],
            urgent_words=["help"],
            replies_need_approval=replies_need_approval,
        )


def notification_for(agency: Agency, user: User | None = None) -> Notification:
    """Tell ``user`` (a new member by default) of something in ``agency``, in their list."""
    person = user or MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
    with agency_scope(agency.pk):
        return notify(
            user=person,
            kind=Kind.POST_COMMENTED,
            subject="A new message about a post",
            body="Someone wrote about your post.",
            link="https://govsocial.example/agencies/",
        )


ROW_MAKERS: dict[type[Model], Callable[[Agency], Model]] = {
    Membership: lambda agency: MembershipFactory(agency=agency),
    Invitation: lambda agency: InvitationFactory(agency=agency),
    ArchiveEvent: archive_event_for,
    ArchiveHead: archive_head_for,
    ArchiveLeaf: archive_leaf_for,
    ArchiveSubtree: archive_subtree_for,
    ArchiveContent: archive_content_for,
    ArchiveContentBytes: content_bytes_for,
    RecordsRequest: records_request_for,
    SavedSearch: saved_search_for,
    LegalHold: legal_hold_for,
    Redaction: redaction_for,
    RetentionSchedule: retention_schedule_for,
    ArchiveContentErasure: content_erasure_for,
    OutsideArchiver: outside_archiver_for,
    Disposition: disposition_for,
    ExportPackage: export_package_for,
    Holiday: holiday_for,
    ArchiveTimestamp: archive_timestamp_for,
    ApiKey: lambda agency: api_key_for(agency)[0],
    IdempotencyKey: idempotency_key_for,
    AgencySignOn: sign_on_for,
    SignOnDomain: sign_on_domain_for,
    SocialAccount: social_account_for,
    SocialAccountPicture: account_picture_for,
    SocialAccountPublisher: publisher_for,
    SocialAccountKeyPublisher: key_publisher_for,
    Post: post_for,
    PostRevision: post_revision_for,
    PostTarget: post_target_for,
    MediaAsset: media_asset_for,
    PostMedia: post_media_for,
    PublishingPause: pause_for,
    PausedAccount: paused_account_for,
    QueueSlot: queue_slot_for,
    DispatchTicket: dispatch_ticket_for,
    ApprovalChain: approval_chain_for,
    ChainAccount: chain_account_for,
    ApprovalStep: approval_step_for,
    StepApprover: step_approver_for,
    Approval: approval_for,
    Decision: decision_for,
    EmergencyPublisher: emergency_publisher_for,
    EmergencyReview: emergency_review_for,
    ContentRules: content_rules_for,
    ExternalLink: external_link_for,
    PostComment: post_comment_for,
    BlackoutPeriod: blackout_for,
    InboxItem: inbox_item_for,
    InboxItemVersion: inbox_version_for,
    InboxItemMedia: inbox_media_for,
    InboxPoll: inbox_poll_for,
    InboxReply: inbox_reply_for,
    PolicyClause: policy_clause_for,
    SavedReply: saved_reply_for,
    InboxNote: inbox_note_for,
    RoutingRule: routing_rule_for,
    Coverage: coverage_for,
    BlockedAuthor: blocked_author_for,
    Notification: notification_for,
}
