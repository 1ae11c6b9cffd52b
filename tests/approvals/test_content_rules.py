"""Content rules: terms an agency never uses (blocking) or uses only knowingly (warning),
in English and French, across case and accents and inside hashtags; personal and
internal information; checked at submission (warnings acknowledged and recorded) and
again at approval; in pages and the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Role
from approvals.decisions import approval_decide, post_submit
from approvals.emergency import post_publish_emergency
from approvals.models import Approval, BlackoutPeriod, RuleSeverity, Verdict
from approvals.rules import (
    ContentRefused,
    accessibility_found,
    alt_text_found,
    camel_words,
    links_found,
    sensitive_found,
    terms_found,
)
from approvals.services import blackout_add, content_rules_save
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostStatus, SocialAccount
from publishing.services import post_schedule, post_translation_add
from publishing.services.scheduling import PostProblems
from tests.approvals.test_decisions import account, any_approver_chain, draft, member, rewritten
from tests.conftest import Personas
from tests.factories import publisher_for, social_account_for

pytestmark = pytest.mark.django_db

__all__ = ["account"]  # the fixture, shared with the decisions' tests


def rules(personas: Personas, **given: Any) -> None:
    """Set the agency's content rules: none but what ``given`` says."""
    content_rules_save(
        agency=personas.agency_a,
        actor=personas.admin_a.user,
        **{
            "blocked_terms": [],
            "warned_terms": [],
            "sensitive": RuleSeverity.WARN,
            "published_contacts": [],
            "internal_hosts": [],
            "guidelines": "",
        }
        | given,
    )


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Don't be a JERK on the road.", "jerk"),
        ("#DontJerkAndDrive this weekend", "jerk"),
        ("Quel imbécile!", "imbecile"),
        ("Quel IMBECILE !", "imbécile"),
        ("#SécuritéRoutière : ralentissez", "securite routiere"),
        ("Ne soyez pas un Idiot Fini.", "idiot fini"),
    ],
)
def test_terms_are_found_as_whole_words_across_case_accents_and_hashtags(
    text: str, term: str
) -> None:
    assert terms_found(text, [term]) == [term]


@pytest.mark.parametrize(
    ("text", "term"),
    [("Beef jerky on sale", "jerk"), ("Un routier prudent", "routiere"), ("idiot", "idiot fini")],
)
def test_a_term_inside_another_word_is_not_found(text: str, term: str) -> None:
    assert terms_found(text, [term]) == []


def test_hashtags_are_read_as_the_words_they_run_together() -> None:
    assert camel_words("NYCMarathon") == "NYC Marathon"
    assert camel_words("Covid19Vaccins") == "Covid 19 Vaccins"
    assert camel_words("bon_voyage") == "bon voyage"


def test_personal_and_internal_information_is_found_but_the_agencys_own_and_handles_not() -> None:
    text = (
        "Call 613-555-0134 or (613) 555 0199, write to ada@mail.example or "
        "info@riverton.example; card 4111 1111 1111 1111, not 4111 1111 1111 1112; "
        "SIN 046 454 286; see intranet.riverton.example/forms; hello @amara@town.example"
    )
    found = sensitive_found(
        text,
        published=["613 555 0199", "INFO@riverton.example"],
        internal_hosts=["intranet.riverton.example"],
    )
    assert found == [
        "what looks like a payment card number",
        "what looks like a social insurance number",
        "the email address ada@mail.example",
        "the phone number 613-555-0134",
        "the internal address intranet.riverton.example",
    ]


def test_a_prohibited_term_blocks_the_submission_in_english_and_in_french(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    rules(personas, blocked_terms=["jerk", "imbécile"], sensitive=RuleSeverity.OFF)
    for text in ("Road safety: #DontJerkAndDrive", "Ne soyez pas IMBECILE au volant"):
        post = draft(personas, account, text=text)
        with pytest.raises(ContentRefused, match="do not allow this post") as refused:
            post_submit(post=post, actor=personas.author_a.user, acknowledge_warnings=True)
        assert [p["severity"] for p in refused.value.problems] == ["block"]
        assert refused.value.problems[0]["where"] == "the text"
        post.refresh_from_db()
        assert post.status == PostStatus.DRAFT
    assert not Approval.objects.exists()


def test_a_phone_number_warns_and_the_acknowledgement_is_recorded(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    rules(personas)
    post = draft(personas, account, text="Questions? Call Dana at 613-555-0134.")
    with pytest.raises(ContentRefused, match="acknowledge them") as refused:
        post_submit(post=post, actor=personas.author_a.user)
    assert refused.value.field == "acknowledge_warnings"
    assert "613-555-0134" in refused.value.problems[0]["message"]

    round_ = post_submit(post=post, actor=personas.author_a.user, acknowledge_warnings=True)
    assert round_.warnings_acknowledged
    assert [(f["rule"], f["severity"]) for f in round_.findings] == [("sensitive", "warn")]
    event = ArchiveEvent.objects.get(verb="post.submitted", object_id=str(post.pk))
    assert event.data["warnings_acknowledged"] is True
    assert event.data["findings"] == round_.findings


def test_rules_are_checked_again_at_approval_and_at_an_emergency(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    approver = member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account, text="The fair opens at noon")
    round_ = post_submit(post=post, actor=personas.author_a.user)
    # The agency learns the fair's name may not be used: the approval is refused.
    rules(personas, blocked_terms=["fair"])
    with pytest.raises(ContentRefused):
        approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    round_.refresh_from_db()
    assert not round_.decisions.exists()
    with pytest.raises(ContentRefused):
        post_publish_emergency(post=post, actor=personas.admin_a.user, reason="Urgent")

    post = rewritten(post, personas.author_a.user, account.pk, "The show opens at noon")
    round_ = post_submit(post=post, actor=personas.author_a.user)
    approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_only_admins_set_the_rules_and_a_term_cannot_both_block_and_warn(
    personas: Personas, in_agency_a: Agency
) -> None:
    with pytest.raises(PermissionDenied):
        content_rules_save(
            agency=in_agency_a,
            actor=personas.author_a.user,
            blocked_terms=["x"],
            warned_terms=[],
            sensitive="warn",
            published_contacts=[],
            internal_hosts=[],
            guidelines="",
        )
    with pytest.raises(GovsocialError, match="not both") as refused:
        rules(personas, blocked_terms=["Jerk"], warned_terms=["jerk"])
    assert refused.value.field == "warned_terms"
    rules(personas, blocked_terms=[" jerk ", "Jerk", "", "idiot  fini"])
    saved = ArchiveEvent.objects.filter(verb="content_rules.saved").order_by("-id")[0]
    assert saved.data["blocked_terms"] == ["jerk", "idiot fini"]


def test_pages_set_the_rules_show_what_they_find_and_take_the_acknowledgement(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    approver = member(agency, Role.APPROVER)
    with agency_scope(agency.pk):
        account = social_account_for(agency, handle="alpha_roads")
        publisher_for(agency, account=account, user=personas.author_a.user)
        any_approver_chain(personas, account)
        post = draft(personas, account, text="Road works: call 613-555-0134")
    admin = personas.client_for(personas.admin_a)
    address = reverse("content_rules", args=["alpha"])
    form = {
        "blocked_terms": "jerk\nimbécile",
        "warned_terms": "",
        "sensitive": "warn",
        "published_contacts": "",
        "internal_hosts": "",
        "accessibility": "warn",
        "links": "warn",
        "allowed_domains": "",
        "bilingual": "off",
        "guidelines": "Write plainly. Name the street.",
    }
    shown = admin.post(address, form, follow=True).content.decode()
    assert "The content rules are saved." in shown and "imbécile" in shown
    author = personas.client_for(personas.author_a)
    refused = author.post(address, form)
    assert refused.status_code == 403
    assert (
        "Write plainly. Name the street."
        in author.get(reverse("post_edit", args=["alpha", post.pk])).content.decode()
    )

    post_page = reverse("post_detail", args=["alpha", post.pk])
    shown = author.get(post_page).content.decode()
    assert "The agency's content rules" in shown and "613-555-0134" in shown
    assert 'name="acknowledge_warnings"' in shown
    submit = reverse("post_approval_submit", args=["alpha", post.pk])
    shown = author.post(submit, follow=True).content.decode()
    assert "acknowledge them" in shown
    shown = author.post(submit, {"acknowledge_warnings": "1"}, follow=True).content.decode()
    assert "The post is submitted" in shown
    assert "The author acknowledged these warnings of the content rules:" in shown
    # The approver's queue shows the post's version for each account, and the warnings.
    queue = personas.client_for(approver).get(reverse("approval_queue", args=["alpha"]))
    shown = queue.content.decode()
    assert "alpha_roads" in shown and "Road works: call 613-555-0134" in shown
    assert "The author acknowledged these warnings of the content rules:" in shown


def test_the_api_reads_and_replaces_the_rules_and_submits_with_an_acknowledgement(
    personas: Personas, account: SocialAccount
) -> None:
    member(personas.agency_a, Role.APPROVER)
    with agency_scope(personas.agency_a.pk):
        any_approver_chain(personas, account)
        post = draft(personas, account, text="Questions: 613-555-0134")
    admin = personas.client_for(personas.admin_a)
    author = personas.client_for(personas.author_a)
    address = "/api/agencies/alpha/content-rules/"
    assert author.get(address).json()["sensitive"] == "warn"
    body = {
        "blocked_terms": ["jerk"],
        "warned_terms": [],
        "sensitive": "warn",
        "published_contacts": ["613 555 0199"],
        "internal_hosts": [],
        "accessibility": "warn",
        "links": "block",
        "allowed_domains": ["alpha.example"],
        "bilingual": "off",
        "guidelines": "",
    }
    assert author.put(address, body, content_type="application/json").status_code == 403
    saved = admin.put(address, body, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["blocked_terms"] == ["jerk"]
    assert (saved.json()["links"], saved.json()["allowed_domains"]) == ("block", ["alpha.example"])

    rounds = "/api/agencies/alpha/approvals/"
    refused = author.post(rounds, {"post": post.pk}, content_type="application/json")
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert (error["pointer"], error["rule"], error["severity"]) == (
        "/acknowledge_warnings",
        "sensitive",
        "warn",
    )
    created = author.post(
        rounds, {"post": post.pk, "acknowledge_warnings": True}, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["warnings_acknowledged"] is True
    assert created.json()["findings"][0]["where"] == "the text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Drive safe #roadsafetyweek", "Write #roadsafetyweek with a capital for each word"),
        ("Drive safe #ROADSAFETY", "Write #ROADSAFETY with a capital for each word"),
        ("Fireworks tonight 🎆🎆🎆🎆", "More than three emoji in a row"),
        ("Forms: click here.", "Say where the link goes rather than “click here”."),
        ("Formulaires : cliquez ICI.", "Say where the link goes rather than “cliquez ici”."),
    ],
)
def test_accessibility_slips_are_found(text: str, expected: str) -> None:
    [found] = accessibility_found(text)
    assert found.startswith(expected)


def test_camel_case_hashtags_few_emoji_and_plain_links_pass() -> None:
    assert accessibility_found("Drive safe #RoadSafetyWeek 🚗🚦 see riverton.example/roads") == []


@pytest.mark.parametrize(
    ("alt_text", "file_name", "refused"),
    [
        ("", "map.png", True),
        ("image", "map.png", True),
        ("Une photo", "map.png", True),
        ("IMG_2041.JPG", "IMG_2041.JPG", True),
        ("closure-map", "closure-map", True),
        ("Roads closed", "map.png", True),
        ("Map of Main Street, closed from 1st to 3rd Avenue", "map.png", False),
    ],
)
def test_alt_text_must_describe_the_picture(alt_text: str, file_name: str, refused: bool) -> None:
    found = alt_text_found(alt_text, file_name=file_name, post_text="Roads closed")
    assert bool(found) is refused


def test_shorteners_and_domains_not_allowed_are_found() -> None:
    text = (
        "See https://bit.ly/x1 and https://www.alpha.example/roads and https://maps.other.example/"
    )
    assert links_found(text, allowed_domains=["alpha.example"]) == [
        "bit.ly is a link shortener: give the full address, so people see where it goes.",
        "maps.other.example is not among the domains the agency links to.",
    ]
    assert (
        links_found("https://roads.alpha.example/closures", allowed_domains=["alpha.example"]) == []
    )
    assert links_found("https://anywhere.example/", allowed_domains=[]) == []


def test_a_post_without_its_translation_is_refused_where_the_agency_publishes_in_both(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    rules(personas, bilingual=RuleSeverity.BLOCK)
    post = draft(personas, account, text="The pools open on Saturday")
    with pytest.raises(ContentRefused, match="both official languages"):
        post_submit(post=post, actor=personas.author_a.user)
    translation = post_translation_add(post=post, actor=personas.author_a.user)
    rewritten(translation, personas.author_a.user, account.pk, "Les piscines ouvrent samedi")
    post.refresh_from_db()
    round_ = post_submit(post=post, actor=personas.author_a.user)
    assert round_.findings == []


def blackout(
    personas: Personas, name: str, start: datetime, days: int, **more: Any
) -> BlackoutPeriod:
    """Add a blocking blackout period of ``days`` days from ``start`` (as the admin,
    unless ``actor`` says who)."""
    given: dict[str, Any] = {"actor": personas.admin_a.user, "severity": RuleSeverity.BLOCK}
    return blackout_add(
        agency=personas.agency_a,
        name=name,
        starts_at=start,
        ends_at=start + timedelta(days=days),
        **given | more,
    )


def test_a_post_meant_for_a_blackout_period_is_blocked_on_the_accounts_it_covers(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    rules(personas, accessibility=RuleSeverity.OFF)
    elsewhere = social_account_for(in_agency_a, handle="alpha_parks")
    start = timezone.now() + timedelta(days=10)
    blackout(personas, "  Election   period ", start, 30, account_ids=[account.pk])
    blackout(personas, "Parks only", start, 30, account_ids=[elsewhere.pk])
    post = draft(personas, account, text="Vote at the library")
    with pytest.raises(ContentRefused, match="blackout period “Election period”") as refused:
        post_submit(post=post, actor=personas.author_a.user, at=start + timedelta(days=1))
    assert [p["rule"] for p in refused.value.problems] == ["blackout"]
    # Meant to go out before it: nothing is found.
    round_ = post_submit(post=post, actor=personas.author_a.user, at=start - timedelta(days=1))
    assert round_.findings == []
    with pytest.raises(GovsocialError, match="end after it starts"):
        blackout(personas, "Backwards", start, 0)
    with pytest.raises(PermissionDenied):
        blackout(personas, "Mine", start, 1, actor=personas.author_a.user)


def test_admins_add_and_remove_blackout_periods_on_the_page_and_in_the_api(
    personas: Personas,
) -> None:
    admin = personas.client_for(personas.admin_a)
    add = reverse("blackout_add", args=["alpha"])
    refused = admin.post(
        add,
        {
            "name": "Backwards",
            "first_day": "2031-05-10",
            "last_day": "2031-05-01",
            "severity": "block",
        },
    )
    assert refused.status_code == 400
    assert "The period must end after it starts." in refused.content.decode()
    shown = admin.post(
        add,
        {
            "name": "Election period",
            "first_day": "2031-05-01",
            "last_day": "2031-05-10",
            "severity": "block",
        },
        follow=True,
    ).content.decode()
    assert "The blackout period is added." in shown and "Election period" in shown
    with agency_scope(personas.agency_a.pk):
        period = BlackoutPeriod.objects.get()
    # Whole days in the agency's zone (America/Toronto: UTC-4 in May).
    assert (period.starts_at.isoformat(), period.ends_at.isoformat()) == (
        "2031-05-01T04:00:00+00:00",
        "2031-05-11T04:00:00+00:00",
    )
    author = personas.client_for(personas.author_a)
    assert (
        "Election period" in author.get(reverse("content_rules", args=["alpha"])).content.decode()
    )
    assert (
        author.post(
            add,
            {"name": "x", "first_day": "2031-01-01", "last_day": "2031-01-02", "severity": "warn"},
        ).status_code
        == 403
    )

    listed = author.get("/api/agencies/alpha/blackout-periods/").json()["results"]
    assert [(p["name"], p["starts_at"], p["accounts"]) for p in listed] == [
        ("Election period", "2031-05-01T04:00:00Z", [])
    ]
    made = admin.post(
        "/api/agencies/alpha/blackout-periods/",
        {
            "name": "Recess",
            "starts_at": "2031-07-01T00:00:00-04:00",
            "ends_at": "2031-07-02T00:00:00-04:00",
            "severity": "warn",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    assert (
        admin.delete(f"/api/agencies/alpha/blackout-periods/{made.json()['id']}/").status_code
        == 204
    )
    shown = admin.post(reverse("blackout_delete", args=["alpha", period.pk]), follow=True)
    assert "The blackout period is removed." in shown.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not BlackoutPeriod.objects.exists()
        verbs = list(
            ArchiveEvent.objects.filter(verb__startswith="blackout.").values_list("verb", flat=True)
        )
    assert sorted(verbs) == [
        "blackout.added",
        "blackout.added",
        "blackout.deleted",
        "blackout.deleted",
    ]


def test_what_the_rules_block_stays_off_the_schedule_even_without_approval(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    rules(personas, blocked_terms=["jerk"])
    post = draft(personas, account, text="Don't be a #RoadJerk")
    at = timezone.now() + timedelta(days=1)
    with pytest.raises(PostProblems) as refused:
        post_schedule(post=post, actor=personas.author_a.user, at=at)
    assert [(p.account_id, p.code) for p in refused.value.post_problems] == [
        (account.pk, "content_terms")
    ]
    assert "“jerk” is on the agency's list" in refused.value.post_problems[0].message
    # A blackout blocks for the time asked, not another.
    rules(personas)
    blackout(personas, "Election period", at - timedelta(hours=1), 1)
    with pytest.raises(PostProblems, match="blackout period"):
        post_schedule(post=post, actor=personas.author_a.user, at=at)
    scheduled = post_schedule(post=post, actor=personas.author_a.user, at=at + timedelta(days=2))
    assert scheduled.status == PostStatus.SCHEDULED


def test_scheduling_that_approves_a_post_asks_for_its_warnings_and_records_them(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    rules(personas)
    post = draft(personas, account, text="Questions? Call Dana at 613-555-0134.")
    at = timezone.now() + timedelta(days=1)
    with pytest.raises(PostProblems) as refused:
        post_schedule(post=post, actor=personas.author_a.user, at=at)
    [problem] = refused.value.post_problems
    assert (problem.code, problem.field) == ("content_warning", "acknowledge_warnings")
    assert "613-555-0134" in problem.message

    scheduled = post_schedule(
        post=post, actor=personas.author_a.user, at=at, acknowledge_warnings=True
    )

    assert scheduled.status == PostStatus.SCHEDULED
    event = ArchiveEvent.objects.get(verb="post.approved", object_id=str(post.pk))
    assert (event.data["by"], event.data["content_hash"]) == ("schedule", scheduled.approved_hash)
    acknowledged = event.data["warnings_acknowledged"]
    assert [(f["rule"], f["severity"]) for f in acknowledged] == [("sensitive", "warn")]
    # Approved as it is, it moves without being asked again.
    moved = post_schedule(post=post, actor=personas.author_a.user, at=at + timedelta(hours=1))
    assert moved.scheduled_at == at + timedelta(hours=1)


def test_the_composer_and_the_api_take_the_acknowledgement_when_scheduling(
    personas: Personas, account: SocialAccount
) -> None:
    text = "Questions? Call Dana at 613-555-0134."
    post = draft(personas, account, text=text)
    other = draft(personas, account, text=text)
    author = personas.client_for(personas.author_a)
    day = (timezone.now() + timedelta(days=2)).date().isoformat()
    form = {
        "text": text,
        "language": "en",
        "accounts": [account.pk],
        "action": "schedule",
        "schedule_date": day,
        "schedule_time": "09:00",
    }
    edit = reverse("post_edit", args=["alpha", post.pk])

    asked = author.post(edit, form)
    assert asked.status_code == 400
    page = asked.content.decode()
    assert 'href="#id_acknowledge_warnings"' in page and 'id="id_acknowledge_warnings"' in page
    assert author.post(edit, form | {"acknowledge_warnings": "on"}).status_code == 302
    with agency_scope(personas.agency_a.pk):
        assert Post.objects.get(pk=post.pk).status == PostStatus.SCHEDULED

    address = f"/api/agencies/alpha/posts/{other.pk}/schedule/"
    at = (timezone.now() + timedelta(days=2)).isoformat()
    refused = author.post(address, {"at": at}, content_type="application/json")
    assert refused.status_code == 400
    assert {e["code"] for e in refused.json()["errors"]} == {"content_warning"}
    scheduled = author.post(
        address, {"at": at, "acknowledge_warnings": True}, content_type="application/json"
    )
    assert scheduled.status_code == 200, scheduled.json()
    assert scheduled.json()["status"] == PostStatus.SCHEDULED
