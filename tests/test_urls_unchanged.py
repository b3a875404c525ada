"""No public URL changes when the code moves: every route the site serves, with its name, is
the list recorded in tests/data/urls.txt (written from the code before the apps were split
into layers; regenerate it only for a URL that is meant to change)."""

from pathlib import Path

from .urls_listing import url_patterns

RECORDED = Path(__file__).parent / "data" / "urls.txt"


def test_every_url_pattern_is_the_recorded_one():
    recorded = RECORDED.read_text().splitlines()
    served = sorted(url_patterns())
    assert [line for line in served if line not in recorded] == []  # none new
    assert [line for line in recorded if line not in served] == []  # none gone
