"""The agency's navigation on every page: the page shown marked, in the viewer's
language, the Records section for records officers and admins only. Each web server
process keeps the navigation it wrote for each agency, language, set of roles and page
(``fragments`` cache): what it shows must follow any of them changing at once."""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.models import Role
from accounts.services.members import membership_change_roles
from govsocial.tenancy import agency_scope
from tests.conftest import Personas


def navigation(html: str) -> str:
    """Return the primary navigation's list."""
    found = re.search(r'<ul class="usa-nav__primary usa-accordion">(.*?)</ul>', html, re.S)
    assert found is not None, "the page has no agency navigation"
    return found.group(1)


def current(html: str) -> list[str]:
    """Return the addresses the navigation marks as the page shown."""
    return re.findall(r'href="([^"]+)" aria-current="page"', navigation(html))


def test_the_navigation_marks_the_page_shown_in_the_viewers_language_and_roles(
    personas: Personas,
) -> None:
    author = personas.client_for(personas.author_a)
    calendar, posts = reverse("calendar", args=["alpha"]), reverse("post_list", args=["alpha"])
    records = reverse("record_search", args=["alpha"])

    shown = author.get(calendar).content.decode()
    assert current(shown) == [calendar]
    assert "<span>Calendar</span>" in navigation(shown)
    assert records not in navigation(shown)
    assert current(author.get(posts).content.decode()) == [posts]

    french = author.get(calendar, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<span>Calendrier</span>" in navigation(french)
    assert "<span>Calendar</span>" not in navigation(french)
    assert current(french) == [calendar]

    with agency_scope(personas.agency_a.pk):
        membership_change_roles(
            membership=personas.author_a,
            actor=personas.admin_a.user,
            roles=[Role.AUTHOR, Role.RECORDS_OFFICER],
        )
    officer = author.get(calendar).content.decode()
    assert records in navigation(officer)
    assert current(officer) == [calendar]

    # Another agency's members see their own agency's addresses.
    other = personas.client_for(personas.admin_b).get(reverse("calendar", args=["beta"]))
    assert current(other.content.decode()) == [reverse("calendar", args=["beta"])]
    assert "/agencies/alpha/" not in navigation(other.content.decode())
