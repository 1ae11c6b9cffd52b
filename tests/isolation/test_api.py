"""Every API endpoint of an agency keeps other agencies out."""

from __future__ import annotations

from typing import ClassVar

from django.urls import reverse
from django.utils import timezone

from archive.models import Disposition
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import (
    InvitationFactory,
    account_picture_for,
    approval_chain_for,
    approval_for,
    archive_content_for,
    archive_event_for,
    archive_head_for,
    archive_leaf_for,
    blackout_for,
    content_rules_for,
    disposition_for,
    emergency_review_for,
    export_package_for,
    holiday_for,
    inbox_item_for,
    inbox_media_for,
    inbox_reply_for,
    legal_hold_for,
    notification_for,
    outside_archiver_for,
    pause_for,
    post_for,
    records_request_for,
    redaction_for,
    retention_schedule_for,
    routing_rule_for,
    social_account_for,
    uploaded_media_for,
)
from tests.isolation.suite import IsolationSuite


class ApiIsolationSuite(IsolationSuite):
    # DRF answers 403 to a session-less request ("credentials were not provided").
    anonymous_statuses: ClassVar[set[int]] = {401, 403}


class TestMemberList(ApiIsolationSuite):
    url_name = "member-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestMemberDetail(ApiIsolationSuite):
    url_name = "member-detail"
    methods = ("get", "patch")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug, personas.author_a.pk])


class TestMemberDeactivate(ApiIsolationSuite):
    url_name = "member-deactivate"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug, personas.author_a.pk])


class TestInvitationList(ApiIsolationSuite):
    url_name = "invitation-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInvitationDetail(ApiIsolationSuite):
    url_name = "invitation-detail"

    def url(self, personas: Personas) -> str:
        invitation = InvitationFactory(agency=personas.agency_a, invited_by=personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug, invitation.pk])


class TestInvitationRevoke(ApiIsolationSuite):
    url_name = "invitation-revoke"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        invitation = InvitationFactory(agency=personas.agency_a, invited_by=personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug, invitation.pk])


class TestNetworkAccountList(ApiIsolationSuite):
    url_name = "socialaccount-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _NetworkAccountEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        # Disconnected, so that a check calls no network.
        account = social_account_for(personas.agency_a, disconnected_at=timezone.now())
        return reverse(self.url_name, args=[personas.agency_a.slug, account.pk])


class TestNetworkAccountDetail(_NetworkAccountEndpoint):
    url_name = "socialaccount-detail"


class TestNetworkAccountCheck(_NetworkAccountEndpoint):
    url_name = "socialaccount-check"
    methods = ("post",)


class TestNetworkAccountDisconnect(_NetworkAccountEndpoint):
    url_name = "socialaccount-disconnect"
    methods = ("post",)


class TestNetworkAccountPicture(ApiIsolationSuite):
    url_name = "socialaccount-picture"

    def url(self, personas: Personas) -> str:
        picture = account_picture_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, picture.account_id])


class TestNetworkAccountPublishers(_NetworkAccountEndpoint):
    url_name = "socialaccount-publishers"
    methods = ("get", "put")


class TestPostList(ApiIsolationSuite):
    url_name = "post-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPauseList(ApiIsolationSuite):
    url_name = "pause-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _PostEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        post = post_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, post.pk])


class TestPostDetail(_PostEndpoint):
    url_name = "post-detail"
    methods = ("get", "put", "patch", "delete")


class TestPostSchedule(_PostEndpoint):
    url_name = "post-schedule"
    methods = ("post",)


class TestPostPublishNow(_PostEndpoint):
    url_name = "post-publish-now"
    methods = ("post",)


class TestPostUnschedule(_PostEndpoint):
    url_name = "post-unschedule"
    methods = ("post",)


class TestPostDeleteFromNetwork(_PostEndpoint):
    url_name = "post-delete-from-network"
    methods = ("post",)


class TestMediaList(ApiIsolationSuite):
    url_name = "mediaasset-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _MediaEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        asset = uploaded_media_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, asset.pk])


class TestMediaDetail(_MediaEndpoint):
    url_name = "mediaasset-detail"
    methods = ("get", "patch")


class TestMediaFile(_MediaEndpoint):
    url_name = "mediaasset-file"


class TestPauseDetail(ApiIsolationSuite):
    url_name = "pause-detail"

    def url(self, personas: Personas) -> str:
        return reverse(
            self.url_name, args=[personas.agency_a.slug, pause_for(personas.agency_a).pk]
        )


class TestPauseResume(ApiIsolationSuite):
    url_name = "pause-resume"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(
            self.url_name, args=[personas.agency_a.slug, pause_for(personas.agency_a).pk]
        )


class _CalendarEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug]) + (
            "?start=2030-01-01T00:00:00%2B00:00&end=2030-02-01T00:00:00%2B00:00"
        )


class TestCalendarList(_CalendarEndpoint):
    url_name = "calendar-list"


class TestCalendarCsv(_CalendarEndpoint):
    url_name = "calendar-csv"


class TestCalendarImport(ApiIsolationSuite):
    url_name = "calendar-import"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNetworkAccountQueue(_NetworkAccountEndpoint):
    url_name = "socialaccount-queue"
    methods = ("get", "put")


class TestPostQueue(_PostEndpoint):
    url_name = "post-queue"
    methods = ("post",)


class TestPostTranslation(_PostEndpoint):
    url_name = "post-translation"
    methods = ("post",)


class TestPostUnlinkTranslation(_PostEndpoint):
    url_name = "post-unlink-translation"
    methods = ("post",)


class TestApprovalChainList(ApiIsolationSuite):
    url_name = "approvalchain-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestApprovalChainDetail(ApiIsolationSuite):
    url_name = "approvalchain-detail"
    methods = ("get", "put", "delete")

    def url(self, personas: Personas) -> str:
        chain = approval_chain_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, chain.pk])


class TestApprovalList(ApiIsolationSuite):
    url_name = "approval-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _ApprovalEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        approval = approval_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, approval.pk])


class TestApprovalDetail(_ApprovalEndpoint):
    url_name = "approval-detail"


class TestApprovalDecide(_ApprovalEndpoint):
    url_name = "approval-decide"
    methods = ("post",)


class TestEmergencyReviewList(ApiIsolationSuite):
    url_name = "emergencyreview-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestEmergencyPublishers(ApiIsolationSuite):
    url_name = "emergencyreview-publishers"
    methods = ("get", "put")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _EmergencyReviewEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        review = emergency_review_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, review.pk])


class TestEmergencyReviewDetail(_EmergencyReviewEndpoint):
    url_name = "emergencyreview-detail"


class TestEmergencyReviewClose(_EmergencyReviewEndpoint):
    url_name = "emergencyreview-close"
    methods = ("post",)


class TestContentRules(ApiIsolationSuite):
    url_name = "content-rules"
    methods = ("get", "put")

    def url(self, personas: Personas) -> str:
        content_rules_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostComments(ApiIsolationSuite):
    url_name = "postcomment-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestBlackoutPeriodList(ApiIsolationSuite):
    url_name = "blackoutperiod-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestBlackoutPeriodDetail(ApiIsolationSuite):
    url_name = "blackoutperiod-detail"
    methods = ("get", "delete")

    def url(self, personas: Personas) -> str:
        period = blackout_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, period.pk])


class TestArchiveHeadList(ApiIsolationSuite):
    url_name = "archivehead-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestArchiveHeadDetail(ApiIsolationSuite):
    url_name = "archivehead-detail"

    def url(self, personas: Personas) -> str:
        head = archive_head_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, head.pk])


class TestArchiveHeadConsistency(ApiIsolationSuite):
    url_name = "archivehead-consistency"

    def url(self, personas: Personas) -> str:
        first, second = archive_head_for(personas.agency_a), archive_head_for(personas.agency_a)
        path = reverse(self.url_name, args=[personas.agency_a.slug, first.pk])
        return f"{path}?to={second.pk}"


class TestArchiveEventProof(ApiIsolationSuite):
    url_name = "archiveevent-proof"

    def url(self, personas: Personas) -> str:
        leaf = archive_leaf_for(personas.agency_a)
        archive_head_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, leaf.event_id])


class TestArchiveEventContext(ApiIsolationSuite):
    url_name = "archiveevent-context"

    def url(self, personas: Personas) -> str:
        event = archive_event_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, event.pk])


class TestArchiveEventList(ApiIsolationSuite):
    url_name = "archiveevent-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestArchiveEventDetail(ApiIsolationSuite):
    url_name = "archiveevent-detail"

    def url(self, personas: Personas) -> str:
        event = archive_event_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, event.pk])


class TestRecordsRequestList(ApiIsolationSuite):
    url_name = "recordsrequest-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _RecordsRequestEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        request = records_request_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, request.pk])


class TestRecordsRequestDetail(_RecordsRequestEndpoint):
    url_name = "recordsrequest-detail"


class TestRecordsRequestStatus(_RecordsRequestEndpoint):
    url_name = "recordsrequest-status"
    methods = ("post",)


class TestRecordsRequestSearches(_RecordsRequestEndpoint):
    url_name = "recordsrequest-searches"
    methods = ("post",)


class TestRecordsRequestPackages(_RecordsRequestEndpoint):
    url_name = "recordsrequest-packages"
    methods = ("get", "post")


class TestExportPackageList(ApiIsolationSuite):
    url_name = "exportpackage-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _ExportPackageEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        package = export_package_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, package.pk])


class TestExportPackageDetail(_ExportPackageEndpoint):
    url_name = "exportpackage-detail"


class TestExportPackageDownload(_ExportPackageEndpoint):
    url_name = "exportpackage-download"


class TestHolidayList(ApiIsolationSuite):
    url_name = "holiday-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestHolidayDetail(ApiIsolationSuite):
    url_name = "holiday-detail"
    methods = ("delete",)

    def url(self, personas: Personas) -> str:
        holiday = holiday_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, holiday.pk])


class TestLegalHoldList(ApiIsolationSuite):
    url_name = "legalhold-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _LegalHoldEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        hold = legal_hold_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, hold.pk])


class TestLegalHoldDetail(_LegalHoldEndpoint):
    url_name = "legalhold-detail"


class TestLegalHoldLift(_LegalHoldEndpoint):
    url_name = "legalhold-lift"
    methods = ("post",)


class TestRecordsRequestExtend(_RecordsRequestEndpoint):
    url_name = "recordsrequest-extend"
    methods = ("post",)


class TestRecordsRequestObjectionRefusal(_RecordsRequestEndpoint):
    url_name = "recordsrequest-objection-refusal"
    methods = ("post",)


class TestRecordsRequestSuggestions(_RecordsRequestEndpoint):
    url_name = "recordsrequest-suggestions"


class TestRecordsRequestThirdParties(_RecordsRequestEndpoint):
    url_name = "recordsrequest-third-parties"
    methods = ("post",)


class TestRedactionList(ApiIsolationSuite):
    url_name = "redaction-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRedactionDetail(ApiIsolationSuite):
    url_name = "redaction-detail"
    methods = ("get", "delete")

    def url(self, personas: Personas) -> str:
        marked = redaction_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, marked.pk])


class TestRecordsRequestErasure(_RecordsRequestEndpoint):
    url_name = "recordsrequest-erasure"
    methods = ("get", "post")


class TestRecordsRequestRestriction(_RecordsRequestEndpoint):
    url_name = "recordsrequest-restriction"
    methods = ("get", "post")


class TestRetentionScheduleList(ApiIsolationSuite):
    url_name = "retentionschedule-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRetentionScheduleDetail(ApiIsolationSuite):
    url_name = "retentionschedule-detail"
    methods = ("get", "put")

    def url(self, personas: Personas) -> str:
        retention_schedule_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, "activity"])


class TestOutsideArchiver(ApiIsolationSuite):
    url_name = "outsidearchiver-detail"
    methods = ("get", "put")

    def url(self, personas: Personas) -> str:
        outside_archiver_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestDispositionList(ApiIsolationSuite):
    url_name = "disposition-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class _DispositionEndpoint(ApiIsolationSuite):
    def url(self, personas: Personas) -> str:
        disposition = disposition_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, disposition.pk])


class TestDispositionDetail(_DispositionEndpoint):
    url_name = "disposition-detail"


class TestDispositionRun(_DispositionEndpoint):
    url_name = "disposition-run"
    methods = ("post",)


class TestDispositionCancel(_DispositionEndpoint):
    url_name = "disposition-cancel"
    methods = ("post",)


class TestDispositionCertificate(ApiIsolationSuite):
    url_name = "disposition-certificate"

    def url(self, personas: Personas) -> str:
        disposition = disposition_for(personas.agency_a)
        kept = archive_content_for(personas.agency_a)
        with agency_scope(personas.agency_a.pk):
            Disposition.objects.filter(pk=disposition.pk).update(certificate=kept.sha256)
        return reverse(self.url_name, args=[personas.agency_a.slug, disposition.pk])


class TestInboxItemList(ApiIsolationSuite):
    url_name = "inboxitem-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxItemDetail(ApiIsolationSuite):
    url_name = "inboxitem-detail"
    methods = ("get", "patch")

    def url(self, personas: Personas) -> str:
        item = inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, item.pk])


class TestInboxItemFile(ApiIsolationSuite):
    url_name = "inboxitem-file"

    def url(self, personas: Personas) -> str:
        media = inbox_media_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, media.item_id, media.pk])


class TestInboxItemReplies(ApiIsolationSuite):
    url_name = "inboxitem-replies"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        item = inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, item.pk])


class TestInboxReplyList(ApiIsolationSuite):
    url_name = "inboxreply-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxReplyDetail(ApiIsolationSuite):
    url_name = "inboxreply-detail"

    def url(self, personas: Personas) -> str:
        reply = inbox_reply_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, reply.pk])


class TestInboxReplyDecide(ApiIsolationSuite):
    url_name = "inboxreply-decide"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        reply = inbox_reply_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, reply.pk])


class TestInboxItemModerate(ApiIsolationSuite):
    url_name = "inboxitem-moderate"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        item = inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, item.pk])


class TestPolicyClauseList(ApiIsolationSuite):
    url_name = "policyclause-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNotificationList(ApiIsolationSuite):
    url_name = "notification-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNotificationDetail(ApiIsolationSuite):
    url_name = "notification-detail"

    def url(self, personas: Personas) -> str:
        notification = notification_for(personas.agency_a, personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug, notification.pk])


class TestNotificationRead(ApiIsolationSuite):
    url_name = "notification-read"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        notification = notification_for(personas.agency_a, personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug, notification.pk])


class TestNotificationReadAll(ApiIsolationSuite):
    url_name = "notification-read-all"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestSavedReplyList(ApiIsolationSuite):
    url_name = "savedreply-list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxItemNotes(ApiIsolationSuite):
    url_name = "inboxitem-notes"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        item = inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, item.pk])


class TestRoutingRuleList(ApiIsolationSuite):
    url_name = "routingrule-list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRoutingRuleRetire(ApiIsolationSuite):
    url_name = "routingrule-retire"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        rule = routing_rule_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, rule.pk])


class TestInboxCoverage(ApiIsolationSuite):
    url_name = "inbox-coverage"
    methods = ("get", "put")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxFigures(ApiIsolationSuite):
    url_name = "inbox-figures"

    def url(self, personas: Personas) -> str:
        inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug])
