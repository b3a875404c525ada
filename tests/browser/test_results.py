"""A reader opens a consultation's results, filters them by pillar, reads the consensus chart
and its table, and downloads the data as CSV."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from accounts.models import StakeholderGroup
from consultation.models import Position
from consultation.services import summaries
from results.jobs import report_pdf_build
from results.models import ReportExport

GROUPS = [
    ("t-industry", "Test industry"),
    ("t-hospital", "Test hospital"),
    ("t-payer", "Test payer"),
]


@pytest.fixture
def consultation(page, consultation_factory, pillar_factory, recommendation_factory, make_person):
    """Two pillars; P1-R1 endorsed by every group, P2-R1 split between them."""
    consultation = consultation_factory(slug="demo", title="Plant to patient")
    p1 = pillar_factory(consultation=consultation, code="P1", title="Supply chain", position=1)
    p2 = pillar_factory(consultation=consultation, code="P2", title="Regulation", position=2)
    broad = recommendation_factory(pillar=p1, reference="P1-R1", title="Build a national hub")
    split = recommendation_factory(pillar=p2, reference="P2-R1", title="Harmonise approvals")
    for i, (slug, name) in enumerate(GROUPS):
        group, _ = StakeholderGroup.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": i + 1}
        )
        person = make_person(f"{slug}@example.org", display_name=name, stakeholder_group=group)
        for recommendation, stance in ((broad, "endorse"), (split, ["endorse", "oppose"][i % 2])):
            Position.objects.create(
                recommendation=recommendation,
                author=person,
                stance=stance,
                reason="" if stance == "endorse" else "Too slow.",
                version=recommendation.versions.get(),
            )
    summaries.added(Position.objects.all())  # made directly: counted as the services count
    return consultation


def test_results_filter_chart_table_and_csv_download(page, consultation):
    page.goto("/consultations/demo/results/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results and synthesis")
    chart = page.get_by_role("img", name="Cross-group consensus score by recommendation")
    expect(chart).to_be_visible()
    table = page.locator("#consensus-table")
    expect(table).to_contain_text("P1-R1")
    expect(table).to_contain_text("P2-R1")
    expect(table.locator("tr", has_text="P1-R1")).to_contain_text("+1.00")

    page.get_by_label("Pillar").select_option("P2")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/consultations/demo/results/\?pillar=P2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Results and synthesis: P2 Regulation"
    )
    expect(chart).to_be_visible()
    expect(chart.locator("rect title")).to_have_count(1)  # one bar: P2-R1's
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Harmonise approvals")
    expect(page.locator("#groups-p2-r1")).to_contain_text("Test payer")
    expect(page.get_by_role("img", name="Positions and comments per week")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Data (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "demo-results-p2.csv"
    with open(download.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    assert [row["reference"] for row in rows] == ["P2-R1"]
    (row,) = rows
    assert (row["endorse"], row["oppose"], row["groups_endorsing"]) == ("2", "1", "2")
    assert row["Test payer: endorse"] == "1" and row["Test hospital: oppose"] == "1"
    assert page.console_errors == []


def test_the_pdf_page_follows_the_worker_and_offers_the_download(page, consultation):
    page.goto("/consultations/demo/results/")
    page.get_by_role("link", name="Download the report (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The report as PDF")
    expect(page.locator("#report-pdf-status")).to_contain_text("Waiting for the worker")
    report_pdf_build(ReportExport.objects.get().pk)  # the worker, while the page waits
    # htmx asks again every two seconds: the page shows the download without a reload.
    link = page.get_by_role("link", name="Download the report (PDF)")
    expect(link).to_be_visible(timeout=10_000)
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "demo-results.pdf"
    assert page.console_errors == []
