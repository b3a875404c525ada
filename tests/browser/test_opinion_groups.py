"""A reader opens the opinion groups from the results: the map (as an image with its title and
description, and as data tables), the declared-group overlay without JavaScript, the cards
and the lists; axe-core (vendored, tests/browser/vendor/) finds no accessibility violation."""

import pytest
from playwright.sync_api import expect

from accounts.models import StakeholderGroup
from bench.opinion_data import create_positions, planted
from results.opinions import services


@pytest.fixture
def computed(page, consultation_factory):
    consultation = consultation_factory(slug="camps", title="Camps")
    groups = [
        StakeholderGroup.objects.get_or_create(
            slug=f"t-{name.lower()}", defaults={"name": name, "position": 10 + i}
        )[0]
        for i, name in enumerate(["Industry", "Hospitals", "Payers"])
    ]
    values, truth = planted(camps=3, per_camp=12, recommendations=8, noise=0.0, answered=1.0)
    declared = [groups[t] for t in truth]
    create_positions(consultation=consultation, values=values, declared=declared)
    services.opinion_groups_compute(consultation=consultation, trigger="manual")
    return consultation


def test_opinion_map_cards_and_tables(page, computed, axe):
    page.goto("/consultations/camps/results/")
    page.get_by_role("link", name="Opinion groups: where participants agree").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opinion groups")

    chart = page.get_by_role("img", name="Participants by opinion group")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(36)
    expect(chart.locator("a")).to_have_count(0)
    table = page.locator("#groups-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("Group A")
    cards = page.locator("article.opinion-group")
    expect(cards).to_have_count(3)
    expect(cards.first.get_by_role("heading", level=3)).to_have_text("Group A")
    expect(cards.first.locator(".representative li").first).to_contain_text("of the group")
    expect(page.locator("#opinion-consensus li")).to_have_count(5)
    expect(page.locator("#declared-table tbody tr")).to_have_count(3)
    assert axe(page) == []

    page.get_by_role("link", name="declared stakeholder group").click()
    expect(
        page.get_by_role("img", name="Participants by declared stakeholder group")
    ).to_be_visible()
    expect(page.locator("#map-legend")).to_contain_text("Industry")
    assert axe(page) == []
    assert page.console_errors == []
