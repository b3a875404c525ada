"""The public pages: what they show, who sees drafts, and that their cost does not grow."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from consultation.models import Comment
from recommendations.models import Consultation, RecommendationVersion


@pytest.fixture
def consultation(consultation_factory):
    return consultation_factory(slug="demo", title="Demo consultation", organiser="Acme")


def build(
    consultation, pillar_factory, advocate_factory, challenge_factory, recommendation_factory, n
):
    """n recommendations over 2 pillars, each with 2 advocates, 2 challenges and 2 versions."""
    pillars = [
        pillar_factory(consultation=consultation, code=f"P{i}", position=i, title=f"Pillar {i}")
        for i in (1, 2)
    ]
    advocates = [
        advocate_factory(slug="industry", name="Industry"),
        advocate_factory(slug="academia", name="Academia"),
    ]
    challenges = [
        challenge_factory(pillar=pillars[i % 2], code=f"C{i}", position=i)
        for i in range(max(2, n // 2))
    ]
    recs = []
    for i in range(n):
        rec = recommendation_factory(
            pillar=pillars[i % 2], reference=f"R{i}", position=i, advocates=advocates
        )
        rec.challenges.set(challenges[:2])
        RecommendationVersion.objects.create(recommendation=rec, number=2, title="v2", body="b")
        recs.append(rec)
    return recs


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 30])
def test_page_query_counts_do_not_grow_with_the_data(
    client,
    django_assert_num_queries,
    consultation,
    pillar_factory,
    advocate_factory,
    challenge_factory,
    recommendation_factory,
    n,
):
    recs = build(
        consultation, pillar_factory, advocate_factory, challenge_factory, recommendation_factory, n
    )

    # 1 consultations, 2 pillars with their counts, 3 the nav's consultation (kept a minute
    # in the cache, emptied for each test)
    with django_assert_num_queries(3):
        assert client.get(reverse("recommendations:home")).status_code == 200
    # 1 consultation, 2 pillars with counts
    with django_assert_num_queries(2):
        assert client.get(reverse("recommendations:consultation", args=["demo"])).status_code == 200
    # 1 consultation, 2 pillar, 3 its challenges, 4 their advocates,
    # 5 its recommendations, 6 their advocates
    with django_assert_num_queries(6):
        url = reverse("recommendations:pillar", args=["demo", "P1"])
        assert client.get(url).status_code == 200
    # 1 consultation, 2 pillar and 3 advocate choices (validating the filters), 4 count,
    # 5 pillar and 6 advocate choices (rendering the selects), 7 page of recommendations,
    # 8 their advocates
    with django_assert_num_queries(8):
        url = reverse("recommendations:list", args=["demo"])
        assert client.get(url, {"pillar": "P1", "advocate": "industry"}).status_code == 200
    # 1 consultation, 2 challenge with its pillar and import, 3 its advocates,
    # 4 the recommendations answering it, 5 their advocates
    with django_assert_num_queries(5):
        url = reverse("recommendations:challenge", args=["demo", "C0"])
        assert client.get(url).status_code == 200
    # n comment threads on the recommendation, each with a reply.
    author = User.objects.create(email="commenter@example.org", display_name="C. Ommenter")
    for i in range(n):
        root = Comment.objects.create(
            recommendation=recs[-1], author=author, body=f"C{i}", body_html=f"<p>C{i}</p>"
        )
        Comment.objects.create(
            recommendation=recs[-1], author=author, parent=root, root=root, depth=1, body="R"
        )
    # 1 consultation, 2 recommendation with pillar and import (its consultation set:
    # dialogue_refusal asks no query for it), 3 the organisers' response (none yet), 4 its
    # implementation updates (responses' panel at the top), 5 advocates, 6 challenges with
    # pillars, 7 versions (their authors: none set, so Django skips that query), 8 positions
    # by stakeholder group, 9 positions count (the summary's row; none: no page to load),
    # 10 amendments with their counts, 11 comment threads count, 12 page of threads with
    # their authors, 13 the first replies of each with their authors
    url = reverse("recommendations:detail", args=["demo", recs[-1].reference])
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<li class="comment-node depth-1">') == min(n, 20)


@pytest.mark.django_db
def test_list_filters_by_pillar_advocate_source_status_and_text(
    client, consultation, pillar_factory, advocate_factory, recommendation_factory
):
    p1 = pillar_factory(consultation=consultation, code="P1", title="Supply chain")
    p2 = pillar_factory(consultation=consultation, code="P2", title="Access")
    industry = advocate_factory(slug="industry", name="Industry")
    academia = advocate_factory(slug="academia", name="Academia")
    recommendation_factory(pillar=p1, reference="P1-R1", title="Energy grid", advocates=[industry])
    recommendation_factory(
        pillar=p2,
        reference="P2-R1",
        title="Hospital exemption",
        advocates=[academia],
        source="organiser",
    )
    recommendation_factory(pillar=p2, reference="P2-R2", title="Data sharing", status="adopted")
    url = reverse("recommendations:list", args=["demo"])

    def refs(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [r.reference for r in response.context["page"]]

    assert refs() == ["P1-R1", "P2-R1", "P2-R2"]
    assert refs(pillar="P2") == ["P2-R1", "P2-R2"]
    assert refs(advocate="academia") == ["P2-R1"]
    assert refs(source="organiser") == ["P2-R1"]
    assert refs(status="adopted") == ["P2-R2"]
    assert refs(q="exemption") == ["P2-R1"]
    assert refs(q="p1-r1") == ["P1-R1"]
    assert refs(pillar="P2", advocate="industry") == []

    response = client.get(url, {"pillar": "P9"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert list(response.context["page"]) == []


@pytest.mark.django_db
def test_detail_shows_attribution_source_passage_challenges_and_history(
    client,
    consultation,
    pillar_factory,
    advocate_factory,
    challenge_factory,
    recommendation_factory,
):
    pillar = pillar_factory(consultation=consultation, code="P1", title="Supply chain")
    challenge = challenge_factory(pillar=pillar, code="P1-C1", title="Slow licensing")
    rec = recommendation_factory(
        pillar=pillar,
        reference="P1-R1",
        title="Accelerate operational launch",
        source="organiser",
        rationale="Because launches are slow.",
        advocates=[
            advocate_factory(slug="industry", name="Industry"),
            advocate_factory(slug="jj", name="J&J"),
        ],
    )
    rec.challenges.add(challenge)

    html = client.get(reverse("recommendations:detail", args=["demo", "P1-R1"])).content.decode()

    assert "Accelerate operational launch" in html
    assert "From the organiser" in html  # the consultation's own label for the kind
    assert "Industry</a> and <a" in html and "J&amp;J" in html
    assert "Because launches are slow." in html
    assert "Slow licensing" in html and "/challenges/P1-C1/" in html
    # The passage is stored verbatim and shown with its emphasis, not its asterisks.
    assert "<p><strong>Recommendation</strong> (<em>industry</em>): as the paper says.</p>" in html
    assert "Version 1" in html


@pytest.mark.django_db
def test_drafts_are_hidden_from_the_public_and_unknown_things_are_404(
    client, admin_client, consultation_factory, recommendation_factory
):
    draft = consultation_factory(slug="draft", state=Consultation.State.DRAFT)
    rec = recommendation_factory(pillar__consultation=draft, reference="X-1")
    assert client.get(reverse("recommendations:consultation", args=["draft"])).status_code == 404
    assert client.get(reverse("recommendations:detail", args=["draft", "X-1"])).status_code == 404
    assert admin_client.get(rec.get_absolute_url()).status_code == 200
    assert client.get(reverse("recommendations:detail", args=["draft", "nope"])).status_code == 404
    assert client.get(reverse("recommendations:pillar", args=["draft", "P99"])).status_code == 404


@pytest.mark.django_db
def test_closed_consultation_says_so(client, consultation_factory):
    consultation_factory(slug="old", state=Consultation.State.CLOSED)
    html = client.get(reverse("recommendations:consultation", args=["old"])).content.decode()
    assert "it has closed and its pages are read-only" in html


@pytest.mark.django_db
def test_the_nav_leads_to_the_open_consultation_from_pages_about_none(
    client, consultation_factory, make_person
):
    from recommendations.selectors import nav_consultation

    consultation_factory(slug="drafted", state=Consultation.State.DRAFT)
    consultation_factory(slug="closed", state=Consultation.State.CLOSED)
    consultation_factory(slug="open", state=Consultation.State.OPEN)
    person = make_person("p@example.org")

    nav = client.get(reverse("accounts:person", args=[person.pk])).content.decode()
    nav = nav[nav.index('<nav aria-label="Main">') : nav.index("</nav>")]
    assert f'href="{reverse("recommendations:list", args=["open"])}">Recommendations' in nav
    assert f'href="{reverse("results:consultation", args=["open"])}">Results' in nav

    # A page about a consultation leads to its own.
    page = client.get(reverse("recommendations:consultation", args=["closed"])).content.decode()
    assert f'href="{reverse("recommendations:list", args=["closed"])}">Recommendations' in page

    # With no open one, the latest closed; never a draft; with none at all, no links.
    Consultation.objects.filter(slug="open").delete()
    cache.clear()
    assert nav_consultation()["slug"] == "closed"
    Consultation.objects.filter(slug="closed").delete()
    cache.clear()
    assert nav_consultation() is None
    page = client.get(reverse("recommendations:home")).content.decode()
    assert ">Recommendations</a>" not in page
