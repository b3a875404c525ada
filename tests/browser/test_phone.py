"""A reader on a phone: the page's title is in the first screen, under a compact header."""

import pytest
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("path", ["recommendation", "list", "results"])
def test_on_a_phone_the_title_is_in_the_first_screen(page, white_paper, path):
    recommendation = white_paper.recommendations.order_by("position", "reference").first()
    url = {
        "recommendation": (
            f"/consultations/{white_paper.slug}/recommendations/{recommendation.reference}/"
        ),
        "list": f"/consultations/{white_paper.slug}/recommendations/",
        "results": f"/consultations/{white_paper.slug}/results/",
    }[path]
    page.set_viewport_size(PHONE)
    page.goto(url)
    title = page.get_by_role("heading", level=1)
    expect(title).to_be_visible()
    box = title.bounding_box()
    # The whole title, not only its top, fits in the first screen, with room to read on.
    assert box["y"] + box["height"] < PHONE["height"] / 2, box
    # Nothing in the compact header is cut off or lost: search, nav and language stay usable.
    expect(page.get_by_role("searchbox")).to_be_visible()
    expect(page.get_by_role("combobox", name="Language")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.console_errors
