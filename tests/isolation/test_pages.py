"""Every dashboard page of an agency keeps other agencies out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import token_digest
from publishing.models import MediaAsset
from publishing.shared_media import share_token
from tests.conftest import Personas
from tests.factories import (
    InvitationFactory,
    account_picture_for,
    api_key_for,
    approval_chain_for,
    approval_for,
    archive_content_for,
    archive_event_for,
    blackout_for,
    content_rules_for,
    disposition_for,
    emergency_review_for,
    export_package_for,
    external_link_for,
    inbox_item_for,
    inbox_media_for,
    legal_hold_for,
    notification_for,
    pause_for,
    post_for,
    post_target_for,
    records_request_for,
    routing_rule_for,
    social_account_for,
    uploaded_media_for,
)
from tests.isolation.suite import IsolationSuite


class TestAgencyHome(IsolationSuite):
    url_name = "agency_home"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestMembers(IsolationSuite):
    url_name = "members"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestMemberEdit(IsolationSuite):
    url_name = "member_edit"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug, personas.author_a.pk])


class TestInvitationRevoke(IsolationSuite):
    url_name = "invitation_revoke"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        invitation = InvitationFactory(agency=personas.agency_a, invited_by=personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug, invitation.pk])


class TestInvitationAccept(IsolationSuite):
    """The join page is open to invitees, but a token only works in its own agency."""

    url_name = "invitation_accept"
    methods = ("get", "post")
    anonymous_statuses = {404}

    def url(self, personas: Personas) -> str:
        InvitationFactory(agency=personas.agency_b, token_hash=token_digest("b-token"))
        return reverse(self.url_name, args=[personas.agency_a.slug, "b-token"])

    @pytest.mark.django_db
    def test_a_member_of_the_agency_is_let_in(self, personas: Personas) -> None:
        InvitationFactory(agency=personas.agency_a, token_hash=token_digest("a-token"))
        url = reverse(self.url_name, args=[personas.agency_a.slug, "a-token"])
        assert personas.client_for(personas.admin_a).get(url).status_code == 200


class TestSecurityPolicy(IsolationSuite):
    url_name = "security_policy"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestApiKeys(IsolationSuite):
    url_name = "api_keys"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestApiKeyRevoke(IsolationSuite):
    url_name = "api_key_revoke"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        key, _token = api_key_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, key.pk])


class TestSignOnSettings(IsolationSuite):
    url_name = "sign_on_settings"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


def _account_url(url_name: str, personas: Personas, **fields: object) -> str:
    account = social_account_for(personas.agency_a, **fields)
    return reverse(url_name, args=[personas.agency_a.slug, account.pk])


class TestNetworkAccounts(IsolationSuite):
    url_name = "account_list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNetworkAccountConnect(IsolationSuite):
    url_name = "account_connect_start"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug, "x"])


class TestNetworkAccountConnectFinish(IsolationSuite):
    url_name = "account_connect_finish"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNetworkAccountConnectBluesky(IsolationSuite):
    url_name = "account_connect_bluesky"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNetworkAccountCheck(IsolationSuite):
    """A disconnected account, so that no network is called."""

    url_name = "account_check"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _account_url(self.url_name, personas, disconnected_at=timezone.now())


class TestNetworkAccountDisconnect(IsolationSuite):
    url_name = "account_disconnect"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _account_url(self.url_name, personas)


class TestNetworkAccountPicture(IsolationSuite):
    url_name = "account_picture"

    def url(self, personas: Personas) -> str:
        picture = account_picture_for(personas.agency_a)
        return reverse(
            self.url_name,
            args=[personas.agency_a.slug, picture.account_id, picture.account.picture_digest],
        )


class TestNetworkAccountPublishers(IsolationSuite):
    url_name = "account_publishers"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _account_url(self.url_name, personas)


def _post_url(url_name: str, personas: Personas) -> str:
    post = post_for(personas.agency_a)
    return reverse(url_name, args=[personas.agency_a.slug, post.pk])


class TestPosts(IsolationSuite):
    url_name = "post_list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostNew(IsolationSuite):
    url_name = "post_new"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestCrisisPause(IsolationSuite):
    url_name = "pause_page"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostCheck(IsolationSuite):
    url_name = "post_check"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostAutosave(IsolationSuite):
    url_name = "post_autosave"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostDetail(IsolationSuite):
    url_name = "post_detail"

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostDelivery(IsolationSuite):
    url_name = "post_delivery"

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostEdit(IsolationSuite):
    url_name = "post_edit"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostUnschedule(IsolationSuite):
    url_name = "post_unschedule"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostsAct(IsolationSuite):
    url_name = "posts_act"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostDelete(IsolationSuite):
    url_name = "post_delete"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostTargetDelete(IsolationSuite):
    """A target not yet published: the member is told so, nothing is called."""

    url_name = "post_target_delete"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        target = post_target_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, target.post_id, target.pk])


class TestMediaLibrary(IsolationSuite):
    url_name = "media_list"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestMediaFile(IsolationSuite):
    url_name = "media_file"

    def url(self, personas: Personas) -> str:
        asset = uploaded_media_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, asset.pk])


def _shared_link(agency_slug: str, asset: MediaAsset) -> str:
    return reverse("media_shared", args=[agency_slug, asset.pk, share_token(asset)])


class TestMediaSharedLink(IsolationSuite):
    """A file's shared link opens it to anyone, but only under its own agency's address:
    agency B's link under agency A's address opens nothing, for anyone."""

    url_name = "media_shared"
    anonymous_statuses = {404}

    def url(self, personas: Personas) -> str:
        return _shared_link(personas.agency_a.slug, uploaded_media_for(personas.agency_b))

    @pytest.mark.django_db
    def test_a_member_of_the_agency_is_let_in(self, personas: Personas) -> None:
        url = _shared_link(personas.agency_a.slug, uploaded_media_for(personas.agency_a))
        assert personas.client_for(personas.admin_a).get(url).status_code == 200

    @pytest.mark.django_db
    def test_agency_as_link_under_agency_bs_address_opens_nothing(self, personas: Personas) -> None:
        url = _shared_link(personas.agency_b.slug, uploaded_media_for(personas.agency_a))
        assert personas.client_for(personas.admin_b).get(url).status_code == 404
        assert Client().get(url).status_code == 404


class TestCrisisPauseResume(IsolationSuite):
    url_name = "pause_resume"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        pause = pause_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, pause.pk])


class TestCalendar(IsolationSuite):
    url_name = "calendar"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestCalendarExport(IsolationSuite):
    url_name = "calendar_export"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestScheduleImport(IsolationSuite):
    url_name = "schedule_import"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostTranslationAdd(IsolationSuite):
    url_name = "post_translation_add"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostTranslationUnlink(IsolationSuite):
    url_name = "post_translation_unlink"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostMove(IsolationSuite):
    url_name = "post_move"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestPostAddToQueue(IsolationSuite):
    url_name = "post_add_to_queue"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestQueueTimes(IsolationSuite):
    url_name = "queue_slot_list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestQueueTimesOfAnAccount(IsolationSuite):
    url_name = "queue_slot_edit"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _account_url(self.url_name, personas)


class TestApprovalChains(IsolationSuite):
    url_name = "approval_chain_list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestApprovalChainNew(IsolationSuite):
    url_name = "approval_chain_new"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


def _chain_url(url_name: str, personas: Personas) -> str:
    chain = approval_chain_for(personas.agency_a)
    return reverse(url_name, args=[personas.agency_a.slug, chain.pk])


class TestApprovalChainEdit(IsolationSuite):
    url_name = "approval_chain_edit"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _chain_url(self.url_name, personas)


class TestApprovalChainDelete(IsolationSuite):
    url_name = "approval_chain_delete"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return _chain_url(self.url_name, personas)


class TestApprovalQueue(IsolationSuite):
    url_name = "approval_queue"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestPostApprovalSubmit(IsolationSuite):
    url_name = "post_approval_submit"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestApprovalDecide(IsolationSuite):
    url_name = "approval_decide"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        approval = approval_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, approval.pk])


class TestPostEmergencyPublish(IsolationSuite):
    url_name = "post_emergency_publish"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestEmergencyReviewClose(IsolationSuite):
    url_name = "emergency_review_close"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        review = emergency_review_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, review.pk])


class TestEmergencyPublishers(IsolationSuite):
    url_name = "emergency_publishers"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestContentRules(IsolationSuite):
    url_name = "content_rules"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        content_rules_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestExternalDecision(IsolationSuite):
    """The link for an approver outside govsocial opens to anyone, but a token only
    works under its own agency's address."""

    url_name = "external_decision"
    methods = ("get", "post")
    anonymous_statuses = {404}

    def url(self, personas: Personas) -> str:
        external_link_for(personas.agency_b, token="b-link")
        return reverse(self.url_name, args=[personas.agency_a.slug, "b-link"])

    @pytest.mark.django_db
    def test_a_member_of_the_agency_is_let_in(self, personas: Personas) -> None:
        external_link_for(personas.agency_a, token="a-link")
        url = reverse(self.url_name, args=[personas.agency_a.slug, "a-link"])
        assert personas.client_for(personas.admin_a).get(url).status_code == 200
        # And so is anyone with the link: it is for people without an account.
        assert Client().get(url).status_code == 200


class TestPostCommentAdd(IsolationSuite):
    url_name = "post_comment_add"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return _post_url(self.url_name, personas)


class TestBlackoutAdd(IsolationSuite):
    url_name = "blackout_add"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestBlackoutDelete(IsolationSuite):
    url_name = "blackout_delete"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        period = blackout_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, period.pk])


class TestInboxList(IsolationSuite):
    url_name = "inbox_list"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxArrivals(IsolationSuite):
    url_name = "inbox_arrivals"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug]) + "?after=0&told=1"


class TestInboxPolicy(IsolationSuite):
    url_name = "inbox_policy"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxSavedReplies(IsolationSuite):
    url_name = "inbox_saved_replies"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxRouting(IsolationSuite):
    url_name = "inbox_routing"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        routing_rule_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxCoverage(IsolationSuite):
    url_name = "inbox_coverage"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxFigures(IsolationSuite):
    url_name = "inbox_figures"

    def url(self, personas: Personas) -> str:
        inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestInboxFile(IsolationSuite):
    url_name = "inbox_file"

    def url(self, personas: Personas) -> str:
        media = inbox_media_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, media.item_id, media.pk])


class TestInboxItem(IsolationSuite):
    url_name = "inbox_item"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        item = inbox_item_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, item.pk])


class TestRecordSearch(IsolationSuite):
    url_name = "record_search"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordDetail(IsolationSuite):
    url_name = "record_detail"

    def url(self, personas: Personas) -> str:
        event = archive_event_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, event.pk])


class TestRecordContent(IsolationSuite):
    url_name = "record_content"

    def url(self, personas: Personas) -> str:
        content = archive_content_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, content.sha256])


class TestRecordSearchSave(IsolationSuite):
    url_name = "record_search_save"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsRequests(IsolationSuite):
    url_name = "records_requests"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsRequest(IsolationSuite):
    url_name = "records_request"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        request = records_request_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, request.pk])


class TestRecordsRequestPackages(IsolationSuite):
    url_name = "records_request_packages"

    def url(self, personas: Personas) -> str:
        request = records_request_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, request.pk])


class TestRecordsRedaction(IsolationSuite):
    url_name = "records_redaction"
    methods = ("get", "post")

    def url(self, personas: Personas) -> str:
        request = records_request_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, request.pk])


class TestRecordsHolds(IsolationSuite):
    url_name = "records_holds"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsHoldLift(IsolationSuite):
    url_name = "records_hold_lift"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        hold = legal_hold_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, hold.pk])


class TestRecordsRetention(IsolationSuite):
    url_name = "records_retention"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsArchiverSet(IsolationSuite):
    url_name = "records_archiver_set"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsDispositions(IsolationSuite):
    url_name = "records_dispositions"

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsScheduleSet(IsolationSuite):
    url_name = "records_schedule_set"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestRecordsDispositionReview(IsolationSuite):
    url_name = "records_disposition_review"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        disposition = disposition_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, disposition.pk])


class TestRecordsPackageDownload(IsolationSuite):
    url_name = "records_package_download"

    def url(self, personas: Personas) -> str:
        package = export_package_for(personas.agency_a)
        return reverse(self.url_name, args=[personas.agency_a.slug, package.pk])


class TestApprovalReminders(IsolationSuite):
    url_name = "approval_reminders"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNotificationList(IsolationSuite):
    url_name = "notification_list"

    def url(self, personas: Personas) -> str:
        notification_for(personas.agency_a, personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNotificationsRead(IsolationSuite):
    url_name = "notifications_read"
    methods = ("post",)

    def url(self, personas: Personas) -> str:
        return reverse(self.url_name, args=[personas.agency_a.slug])


class TestNotificationOpen(IsolationSuite):
    url_name = "notification_open"

    def url(self, personas: Personas) -> str:
        told = notification_for(personas.agency_a, personas.admin_a.user)
        return reverse(self.url_name, args=[personas.agency_a.slug, told.pk])
