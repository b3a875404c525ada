"""Results and synthesis: the consensus arithmetic on known cases, the results page (pillar
filter, published contributions only, a fixed query count), the CSV and the report (printable
HTML, and PDF read back with pypdf)."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import StakeholderGroup
from consultation import services
from consultation.models import Amendment, Comment, ModerationState, Position
from consultation.services import summaries
from recommendations.models import Consultation
from results.consensus import (
    Tally,
    consensus_score,
    dispersion,
    divisiveness,
    groups_endorsing,
)
from results.jobs import report_pdf_build
from results.models import ReportExport
from results.selectors import consultation_results
from tests.factories import ConsultationFactory

# -- The arithmetic ---------------------------------------------------------------------------

ENDORSE, OPPOSE = Tally(endorse=3), Tally(oppose=3)


def test_broad_support_across_groups_scores_one():
    assert consensus_score([ENDORSE] * 5, active_groups=5) == pytest.approx(1.0)
    assert groups_endorsing([ENDORSE] * 5) == 5
    assert dispersion([ENDORSE] * 5) == 0
    assert divisiveness([ENDORSE] * 5) == 0


def test_support_from_one_group_scores_its_share_of_the_active_groups_however_many_voices():
    one_loud_group = consensus_score([Tally(endorse=200)], active_groups=5)
    assert one_loud_group == pytest.approx(0.2)
    # Two groups of two people each beat one group of two hundred.
    two_groups = consensus_score([Tally(endorse=2), Tally(endorse=2)], active_groups=5)
    assert two_groups == pytest.approx(0.4)
    assert two_groups > one_loud_group
    assert dispersion([Tally(endorse=200)]) is None  # one group: nothing to disperse


def test_a_split_between_groups_scores_zero_and_is_divisive():
    split = [ENDORSE, ENDORSE, OPPOSE, OPPOSE]
    assert consensus_score(split, active_groups=4) == pytest.approx(0.0)
    assert dispersion(split) == pytest.approx(1.0)
    assert divisiveness(split) == pytest.approx(1.0)
    assert groups_endorsing(split) == 2


def test_one_dissenting_group_costs_more_than_its_share():
    mostly = consensus_score([ENDORSE, ENDORSE, ENDORSE, OPPOSE], active_groups=4)
    # mean 0.5, dispersion √0.75 ≈ 0.866: 0.5 × 0.134
    assert mostly == pytest.approx(0.5 * (1 - 0.75**0.5))
    assert 0 < mostly < consensus_score([ENDORSE] * 4, active_groups=4)


def test_broad_opposition_scores_minus_one_and_reservations_count_half():
    assert consensus_score([OPPOSE] * 3, active_groups=3) == pytest.approx(-1.0)
    assert Tally(reservations=2).support == pytest.approx(0.5)
    assert Tally(endorse=1, reservations=1, oppose=2).support == pytest.approx(-0.125)
    assert Tally(reservations=1, oppose=1).endorses is False  # half is not more than half
    assert Tally(reservations=2, oppose=1).endorses is True
    assert consensus_score([Tally(reservations=1)] * 2, active_groups=2) == pytest.approx(0.5)


def test_no_group_position_gives_no_score():
    assert consensus_score([], active_groups=3) is None
    assert consensus_score([Tally()], active_groups=3) is None
    assert divisiveness([Tally(endorse=1)]) is None


def test_a_split_inside_one_group_is_divisive_but_not_between_groups():
    torn = [Tally(endorse=1, oppose=1)]
    assert divisiveness(torn) == pytest.approx(1.0)
    assert dispersion(torn) is None
    assert consensus_score(torn, active_groups=1) == pytest.approx(0.0)


# -- Data -------------------------------------------------------------------------------------


@pytest.fixture
def groups(db):
    return {g.slug: g for g in StakeholderGroup.objects.all()}


@pytest.fixture
def people(make_person, groups):
    """Three people in each of three groups, and one with no group."""
    made = {}
    for slug in ("industry-pharma", "hospital", "patient-organisation"):
        for i in range(3):
            made[f"{slug}-{i}"] = make_person(
                f"{slug}-{i}@example.org",
                display_name=f"{groups[slug].name} person {i}",
                organisation=f"Org {slug} {i}",
                stakeholder_group=groups[slug],
            )
    made["nobody"] = make_person("nobody@example.org", display_name="No Group")
    return made


@pytest.fixture
def consultation(consultation_factory, pillar_factory, recommendation_factory):
    consultation = consultation_factory(slug="demo", title="Plant to patient")
    p1 = pillar_factory(consultation=consultation, code="P1", title="Supply chain", position=1)
    p2 = pillar_factory(consultation=consultation, code="P2", title="Regulation", position=2)
    recommendation_factory(pillar=p1, reference="P1-R1", title="Build a national hub", position=1)
    recommendation_factory(pillar=p1, reference="P1-R2", title="Train more staff", position=2)
    recommendation_factory(pillar=p2, reference="P2-R1", title="Harmonise approvals", position=3)
    return consultation


def take(person, recommendation, stance, reason="", state=ModerationState.PUBLISHED, when=None):
    """A position made directly (to choose its dates), counted in the summaries as the
    services count it."""
    when = when or timezone.now()
    position = Position.objects.create(
        recommendation=recommendation,
        author=person,
        stance=stance,
        reason=reason or ("" if stance == "endorse" else "Because."),
        version=recommendation.versions.order_by("-number").first(),
        moderation_state=state,
        created_at=when,
        updated_at=when,
    )
    summaries.added(Position.objects.filter(pk=position.pk))
    return position


def rec(consultation, reference):
    return consultation.recommendations.get(reference=reference)


@pytest.fixture
def positions(consultation, people):
    """P1-R1: all three groups endorse (broad). P1-R2: only industry, loudly. P2-R1: industry
    and hospitals endorse, patients oppose (split). Plus one hidden position, not counted."""
    r1, r2, r3 = (rec(consultation, r) for r in ("P1-R1", "P1-R2", "P2-R1"))
    for slug in ("industry-pharma", "hospital", "patient-organisation"):
        take(people[f"{slug}-0"], r1, "endorse")
    take(people["hospital-1"], r1, "reservations", "Only with funding for staff.")
    for i in range(3):
        take(people[f"industry-pharma-{i}"], r2, "endorse")
    take(people["industry-pharma-0"], r3, "endorse")
    take(people["hospital-0"], r3, "endorse")
    take(people["patient-organisation-0"], r3, "oppose", "Patients lose their say.")
    take(people["patient-organisation-1"], r3, "oppose", "Too slow for rare diseases.")
    take(people["nobody"], r3, "endorse")
    take(people["patient-organisation-2"], r1, "oppose", "Hidden text.", ModerationState.HIDDEN)


def results_url(consultation, **params):
    url = reverse("results:consultation", args=[consultation.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


# -- The results ------------------------------------------------------------------------------


def test_results_selector_scores_each_recommendation(consultation, positions):
    results = consultation_results(consultation=consultation)
    by_ref = {r.recommendation.reference: r for r in results.recommendations}
    assert results.active_groups == 3
    broad, loud, split = by_ref["P1-R1"], by_ref["P1-R2"], by_ref["P2-R1"]
    # The hidden opposition does not count: hospitals are 1 endorse + 1 with reservations.
    assert broad.total == Tally(endorse=3, reservations=1)
    assert broad.groups_endorsing == 3
    assert broad.score == pytest.approx((1 + 0.75 + 1) / 3 * (1 - _sd(1, 0.75, 1)))
    assert broad.score > loud.score
    assert loud.score == pytest.approx(1 / 3)  # one group of three active
    assert loud.groups_endorsing == 1
    # Industry +1, hospital +1, patients −1; the person without a group is shown, not scored.
    assert split.groups_endorsing == 2
    assert split.rows[-1].name == "No group given" and split.rows[-1].tally == Tally(endorse=1)
    assert split.score == pytest.approx((1 / 3) * (1 - _sd(1, 1, -1)))
    assert [r.recommendation.reference for r in results.most_divisive][0] == "P2-R1"


def _sd(*values):
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5


def test_results_page_shows_groups_scores_chart_and_table(client, consultation, positions):
    response = client.get(results_url(consultation))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="consensus-chart" role="img"'
        in html
    )
    assert (
        '<title id="consensus-chart-title">Cross-group consensus score by recommendation</title>'
        in html
    )
    assert '<desc id="consensus-chart-desc">' in html
    assert 'id="consensus-table"' in html and 'id="activity-table"' in html
    assert "<script" not in html.split("</head>")[1]  # no JavaScript in the page's body
    table = html[html.index('id="groups-p2-r1"') :]
    table = table[: table.index("</table>")]
    assert re.search(r"Patient organisation</th><td>0</td><td>0</td><td>2</td><td>−1\.00", table)
    assert "No group given" in table
    divisive = html[html.index('id="most-divisive"') :]
    assert divisive.index("P2-R1") < divisive.index("</ol>")
    assert "Hidden text." not in html


def test_results_filter_by_pillar(client, consultation, positions):
    html = client.get(results_url(consultation, pillar="P2")).content.decode()
    assert "Harmonise approvals" in html
    assert "Build a national hub" not in html
    assert '<option value="P2" selected>' in html
    # The downloads keep the filter.
    assert reverse("results:report_csv", args=["demo"]) + "?pillar=P2" in html


def test_an_unknown_pillar_is_a_form_error(client, consultation):
    response = client.get(results_url(consultation, pillar="P9"))
    assert response.status_code == 400
    assert "This consultation has no pillar P9" in response.content.decode()
    csv_response = client.get(reverse("results:report_csv", args=["demo"]) + "?pillar=P9")
    assert csv_response.status_code == 400


def test_results_of_a_draft_consultation_are_not_found(client, consultation):
    Consultation.objects.filter(pk=consultation.pk).update(state=Consultation.State.DRAFT)
    assert client.get(results_url(consultation)).status_code == 404
    assert client.get(reverse("results:report_pdf", args=["demo"])).status_code == 404


def test_activity_counts_positions_and_comments_per_week(consultation, people):
    r1 = rec(consultation, "P1-R1")
    monday = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    take(people["hospital-0"], r1, "endorse", when=monday)
    take(people["hospital-1"], r1, "endorse", when=monday + dt.timedelta(days=2))
    take(people["hospital-2"], r1, "endorse", when=monday + dt.timedelta(weeks=2))
    Comment.objects.create(
        recommendation=r1,
        author=people["nobody"],
        body="Hi",
        body_html="<p>Hi</p>",
        created_at=monday + dt.timedelta(days=8),
    )
    Comment.objects.create(
        recommendation=r1,
        author=people["nobody"],
        body="Held",
        body_html="<p>Held</p>",
        created_at=monday,
        moderation_state=ModerationState.PENDING,
    )
    summaries.added(Comment.objects.filter(recommendation=r1))
    weeks = consultation_results(consultation=consultation).weeks
    assert [(w.start, w.positions, w.comments) for w in weeks] == [
        (dt.date(2026, 3, 2), 2, 0),
        (dt.date(2026, 3, 9), 0, 1),
        (dt.date(2026, 3, 16), 1, 0),
    ]


def _build(consultation, people, moderator, size):
    """`size` more recommendations, each with positions from every group, a comment and an
    accepted amendment."""
    from tests.factories import RecommendationFactory

    pillar = consultation.pillars.get(code="P1")
    for n in range(size):
        r = RecommendationFactory(pillar=pillar, reference=f"X{size}-{n}", position=10 + n)
        for key in ("industry-pharma-0", "hospital-0", "patient-organisation-0", "nobody"):
            take(people[key], r, "endorse" if n % 2 else "oppose")
        comment = Comment.objects.create(
            recommendation=r, author=people["nobody"], body="c", body_html="c"
        )
        summaries.added(Comment.objects.filter(pk=comment.pk))
        amendment = Amendment.objects.create(
            recommendation=r,
            author=people["hospital-1"],
            base_version=r.versions.get(),
            title=f"{r.title} now",
            body="New body.",
            justification="Better.",
        )
        services.amendment_accept(amendment=amendment, acting_user=moderator)


@pytest.mark.parametrize("size", [2, 12])
def test_results_page_query_count_does_not_grow(
    client, consultation, people, moderator, django_assert_num_queries, size
):
    _build(consultation, people, moderator, size)
    # 1 the consultation, 2 its pillars, 3 the stakeholder groups, 4 the recommendations,
    # 5 the position counts by recommendation, group and stance (the summary), 6 the accepted
    # amendments (with their authors, versions and recommendations), 7 positions and comments
    # per week (the summary).
    with django_assert_num_queries(7):
        response = client.get(results_url(consultation))
    assert response.status_code == 200
    assert response.content.decode().count("now version 2") == size


# -- Downloads --------------------------------------------------------------------------------


def _csv(client, consultation, **params):
    url = reverse("results:report_csv", args=[consultation.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))  # streamed


def test_csv_holds_wording_amendments_positions_by_group_and_scores(
    client, consultation, positions, people, moderator
):
    r1 = rec(consultation, "P1-R1")
    amendment = services.amendment_propose(
        author=people["hospital-2"],
        recommendation=r1,
        title='=HYPERLINK("x") hub',
        body="Build a national hub with staff.",
        justification="Staff matter.",
    )
    services.amendment_accept(amendment=amendment, acting_user=moderator)
    rows = _csv(client, consultation)
    assert [r["reference"] for r in rows] == ["P1-R1", "P1-R2", "P2-R1"]
    first = rows[0]
    assert first["pillar"] == "P1" and first["pillar_title"] == "Supply chain"
    assert first["title"] == '\'=HYPERLINK("x") hub'  # never run as a formula
    assert first["wording"] == "Build a national hub with staff."
    assert first["original_title"] == "Build a national hub"
    assert first["title_source"] == "source"  # "editorial" marks a title of ours
    assert first["version"] == "2"
    assert first["accepted_amendments"].startswith(
        f"#{amendment.pk} by Hospital and healthcare professionals person 2 ("
    )
    assert (first["positions"], first["endorse"], first["reservations"], first["oppose"]) == (
        "4",
        "3",
        "1",
        "0",
    )
    assert first["Hospital and healthcare professionals: reservations"] == "1"
    assert first["groups_endorsing"] == "3"
    split = rows[2]
    assert split["Patient organisation: oppose"] == "2"
    assert split["No group given: endorse"] == "1"
    assert float(split["consensus_score"]) == pytest.approx((1 / 3) * (1 - _sd(1, 1, -1)), abs=1e-3)
    assert rows[1]["divisiveness"] == "0.000"
    assert [r["reference"] for r in _csv(client, consultation, pillar="P2")] == ["P2-R1"]


def test_printable_html_report_quotes_reasons_comments_and_changes(
    client, consultation, positions, people, moderator
):
    r3 = rec(consultation, "P2-R1")
    root = Comment.objects.create(
        recommendation=r3,
        author=people["hospital-2"],
        body="Approvals take <two> years.",
        body_html="x",
    )
    Comment.objects.create(
        recommendation=r3,
        author=people["nobody"],
        body="Agreed.",
        body_html="x",
        parent=root,
        root=root,
        depth=1,
    )
    Comment.objects.create(
        recommendation=r3,
        author=people["nobody"],
        body="Removed one",
        body_html="x",
        deleted_at=timezone.now(),
    )
    summaries.added(Comment.objects.filter(recommendation=r3))  # made directly: counted here
    amendment = services.amendment_propose(
        author=people["hospital-2"],
        recommendation=r3,
        title="Harmonise approvals in the EU",
        body="What should be done, faster.",
        justification="Speed.",
    )
    services.amendment_accept(amendment=amendment, acting_user=moderator)
    response = client.get(reverse("results:report_html", args=[consultation.slug]))
    assert response.status_code == 200
    # The printable report opens in the browser; the data files download.
    assert response["Content-Disposition"] == 'inline; filename="demo-results.html"'
    html = response.content.decode()
    assert "<h2>P2 Regulation</h2>" in html
    assert "“Patients lose their say.”" in html or "“Too slow for rare diseases.”" in html
    assert "Approvals take &lt;two&gt; years." in html and "1 reply" in html
    assert "Removed one" not in html and "Hidden text." not in html
    assert f"accepted amendment #{amendment.pk}" in html
    assert "in the EU</ins>" in html
    assert '<h2 id="methodology">Methodology</h2>' in html
    assert "coverage × mean × (1 − dispersion)" in html


def test_the_pdf_is_made_by_the_worker_and_its_page_follows_it(client, consultation, positions):
    response = client.get(reverse("results:report_pdf", args=["demo"]) + "?pillar=P2")
    assert response.status_code == 302
    export = ReportExport.objects.get()
    assert (export.pillar.code, export.status, export.language) == ("P2", "queued", "en")
    status_url = reverse("results:report_pdf_status", args=["demo", export.pk])
    assert response["Location"] == status_url
    # Asked again meanwhile: the same PDF, not a second one to make.
    assert client.get(reverse("results:report_pdf", args=["demo"]) + "?pillar=P2")["Location"] == (
        status_url
    )
    assert ReportExport.objects.count() == 1
    page = client.get(status_url).content.decode()
    assert "Waiting for the worker" in page and '<progress max="100" value="0">' in page
    assert f'data-hx-get="{status_url}" data-hx-trigger="every 2s"' in page  # htmx polls
    assert "reload the page" in page  # and without JavaScript, the reader does
    part = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<section id="report-pdf-status"') and "<html" not in part
    download = reverse("results:report_pdf_download", args=["demo", export.pk])
    assert client.get(download)["Location"] == status_url  # not ready: back to its page
    report_pdf_build(export.pk)  # the worker
    page = client.get(status_url).content.decode()
    assert "The PDF is ready." in page and "data-hx-get" not in page  # polling stops
    assert client.get(download)["Content-Type"] == "application/pdf"
    other = ConsultationFactory(slug="other")
    assert (
        client.get(reverse("results:report_pdf_status", args=["other", export.pk])).status_code
        == 404
    )
    assert other.pk


def test_pdf_report_reads_back_with_titles_and_methodology(
    client, white_paper, make_person, eager, django_capture_on_commit_callbacks
):
    group = StakeholderGroup.objects.get(slug="academia")
    person = make_person("reader@example.org", display_name="Ada Academic", stakeholder_group=group)
    first = white_paper.recommendations.order_by("pillar__position", "position").first()
    take(person, first, "oppose", "Needs a budget line (−10 % elsewhere).")
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs it (eager)
        asked = client.get(reverse("results:report_pdf", args=[white_paper.slug]))
    assert "The PDF is ready." in client.get(asked["Location"]).content.decode()
    export = ReportExport.objects.get()
    response = client.get(
        reverse("results:report_pdf_download", args=[white_paper.slug, export.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="from-plant-to-patient-results.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert len(reader.pages) > 3
    titles = list(white_paper.recommendations.values_list("title", flat=True))
    assert len(titles) == 25
    missing = [t for t in titles if re.sub(r"\s+", " ", t) not in text]
    assert not missing
    assert "Methodology" in text
    assert "How the figures are computed" in text
    assert "Needs a budget line (−10 % elsewhere)." in text  # the minus sign survives
