"""A visitor switches the interface to Dutch, then to French; the white paper's content stays
in the language it was written in."""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from recommendations.models import Recommendation


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def _switch(page, language: str) -> None:
    switcher = page.locator("form.language-switch")
    switcher.locator("select").select_option(language)
    switcher.get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_a_visitor_switches_the_interface_to_dutch_and_to_french(page, white_paper):
    recommendation = Recommendation.objects.filter(consultation=white_paper).first()
    page.goto(reverse("recommendations:consultation", args=[white_paper.slug]))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Recommendations")).to_be_visible()

    _switch(page, "nl")
    nav = page.get_by_role("navigation", name=_in("nl", "Main"))
    expect(nav.get_by_role("link", name=_in("nl", "Recommendations"))).to_be_visible()
    expect(nav.get_by_role("link", name=_in("nl", "Sign in"))).to_be_visible()
    assert _in("nl", "Sign in") != "Sign in"

    # The choice follows the visitor to the next page; the paper's wording stays English.
    nav.get_by_role("link", name=_in("nl", "Recommendations")).click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto(reverse("recommendations:detail", args=[white_paper.slug, recommendation.reference]))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_contain_text(recommendation.title)

    _switch(page, "fr")
    nav = page.get_by_role("navigation", name=_in("fr", "Main"))
    expect(nav.get_by_role("link", name=_in("fr", "Sign in"))).to_be_visible()
    assert _in("fr", "Sign in") != "Sign in"
    # Still on the recommendation: the switcher brings the visitor back where they were.
    expect(page.get_by_role("heading", level=1)).to_contain_text(recommendation.title)
    assert page.console_errors == []
