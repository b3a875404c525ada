"""Opinion groups (results/opinions/): the computation on synthetic camps, stable identities,
the privacy thresholds, the stored runs and the beat schedules, the pages, the API and the
exports."""

import csv
import io
import re

import numpy as np
import pytest
from django_celery_beat.models import PeriodicTask
from sklearn.metrics import adjusted_rand_score

from accounts.models import StakeholderGroup, User
from accounts.services import account_delete
from bench.opinion_data import create_positions, planted
from consultation.models import Position
from results.models import OpinionMembership, OpinionRun
from results.opinions import compute, services, summary
from results.opinions.matrix import NO_DECLARED, Matrix
from results.tasks import refresh_opinion_groups, refresh_opinion_groups_if_changed

PARAMS = compute.Parameters()


# -- The computation, on planted camps -------------------------------------------------------


@pytest.mark.parametrize("camps", [2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_camps_are_recovered(camps, seed):
    values, truth = planted(camps=camps, per_camp=60, noise=0.05, seed=seed)
    found = compute.cluster(values, list(range(values.shape[1])), PARAMS)
    assert found.k == camps
    assert adjusted_rand_score(truth, found.labels) >= 0.9


def test_too_few_participants_make_no_groups():
    values, _ = planted(camps=2, per_camp=4)  # 8 people: two groups of 5 impossible
    assert compute.cluster(values, list(range(values.shape[1])), PARAMS) is None


def test_identities_stay_stable_across_runs_with_small_changes():
    values, truth = planted(camps=3, per_camp=80, seed=5)
    columns = list(range(values.shape[1]))
    first = compute.cluster(values, columns, PARAMS)
    previous = {
        label: dict(zip(columns, means, strict=True)) for label, means in first.centroids.items()
    }

    # Small changes: 5 % of the positions changed, ten newcomers, rows in another order.
    rng = np.random.default_rng(9)
    changed = values.copy()
    mask = rng.random(changed.shape) < 0.05
    changed[mask] = rng.choice([1.0, -1.0], size=int(mask.sum()))
    newcomers, _ = planted(camps=3, per_camp=4, seed=5)  # the same camps
    order = rng.permutation(len(changed))
    second_values = np.vstack([changed[order], newcomers])
    # A different seed as well: k-means numbers its clusters arbitrarily.
    second = compute.cluster(second_values, columns, compute.Parameters(seed=7), previous)

    same = second.labels[: len(order)] == first.labels[order]
    assert same.mean() >= 0.95
    assert set(second.centroids) == set(first.centroids)


def test_match_labels_follows_the_centroids_and_gives_new_groups_new_labels():
    previous = {0: {1: 1.0, 2: -1.0}, 3: {1: -1.0, 2: 1.0}}
    means = np.array([[-0.9, 0.9], [0.0, 0.0], [0.9, -0.8]])
    assert compute.match_labels(means, [1, 2], previous) == [3, 1, 0]


def test_representative_recommendations_and_group_informed_consensus():
    values, truth = planted(camps=2, per_camp=50, recommendations=6, noise=0.0, seed=4)
    values[:, 5] = 1.0  # everyone endorses the last one
    found = compute.cluster(values, list(range(6)), PARAMS)
    c = compute.counts(values, found.labels)
    agree, _oppose = compute.consensus(c)
    assert int(np.argmax(agree)) == 5
    divisive = compute.divisiveness(c)
    assert divisive[5] < 0.05
    representative = compute.representative(c)
    for label in c.labels:
        assert representative[label], "every camp stands for something"
        assert all(r["z"] > compute.Z_90 and r["column"] != 5 for r in representative[label])


# -- Privacy ---------------------------------------------------------------------------------


def _matrix(values, declared) -> Matrix:
    return Matrix(
        authors=np.arange(1000, 1000 + len(values)),
        declared=np.array(declared),
        columns=list(range(100, 100 + values.shape[1])),
        values=values,
        positions=int((~np.isnan(values)).sum()),
        excluded=0,
    )


def test_small_declared_groups_are_merged_into_other_and_points_are_anonymous():
    values, _ = planted(camps=2, per_camp=40, seed=2)
    # Declared: 60 industry (1), 12 payers (2), 3 academics (3), 5 with no group.
    declared = [1] * 60 + [2] * 12 + [3] * 3 + [NO_DECLARED] * 5
    names = {1: "Industry", 2: "Payers", 3: "Academia"}
    data = _matrix(values, declared)
    found = compute.cluster(values, data.columns, PARAMS)
    result = summary.summarise(data, found, names, seed=0)
    for group in result["groups"]:
        assert group["size"] >= summary.PRIVACY_MIN
        shown = group["composition"]["declared"]
        assert all(c["count"] >= summary.PRIVACY_MIN for c in shown)
        assert "Academia" not in {c["name"] for c in shown}
        assert sum(c["count"] for c in shown) + group["composition"]["other"] == group["size"]
    assert {d["name"] for d in result["declared"]} <= {"Industry", "Payers"}
    assert len(result["points"]) == len(values) <= summary.MAP_POINTS
    ids = set(data.authors.tolist())
    for point in result["points"]:
        assert len(point) == 4
        x, y, label, overlay = point
        assert round(x, 2) == x and round(y, 2) == y and -1 <= x <= 1 and -1 <= y <= 1
        assert label in {g["label"] for g in result["groups"]} and overlay < 2
        assert not ids & {x, y}
    # The points are shuffled: not in the participants' order.
    coords = found.coords / np.abs(found.coords).max()
    firsts = [[round(float(a), 2), round(float(b), 2)] for a, b in coords[:10]]
    assert [p[:2] for p in result["points"][:10]] != firsts


def test_the_minimum_group_size_never_goes_below_five(settings):
    settings.OPINION_GROUPS_MIN_GROUP_SIZE = 2
    assert services.parameters().min_group_size == summary.PRIVACY_MIN


# -- Stored runs, the tasks and the schedules ------------------------------------------------


@pytest.fixture
def camps(db, consultation_factory):
    """Three camps of 12 people on 8 recommendations, each camp's people declaring
    mostly one stakeholder group; returns (consultation, user ids, truth)."""
    consultation = consultation_factory(slug="camps", title="Camps")
    groups = list(StakeholderGroup.objects.order_by("position")[:3])
    values, truth = planted(camps=3, per_camp=12, recommendations=8, noise=0.0, answered=1.0)
    declared = [groups[t] if i % 6 else groups[(t + 1) % 3] for i, t in enumerate(truth)]
    users, _recs = create_positions(consultation=consultation, values=values, declared=declared)
    return consultation, users, truth


def test_a_run_is_stored_with_its_inputs_and_memberships(camps):
    consultation, users, truth = camps
    run = services.opinion_groups_compute(consultation=consultation, trigger="manual")
    assert run.k == 3 and run.participants == 36 and run.recommendations == 8
    assert run.positions == 36 * 8 and run.excluded_participants == 0
    assert run.parameters["min_positions"] == 3 and run.parameters["stance_values"]["oppose"] == -1
    assert run.fingerprint and run.duration_ms >= 0
    labels = dict(OpinionMembership.objects.values_list("user_id", "label"))
    assert adjusted_rand_score(truth, [labels[u] for u in users]) == 1.0


def test_debounced_task_runs_only_after_positions_change_and_hourly_always(camps):
    consultation, users, _ = camps
    assert refresh_opinion_groups_if_changed() != []
    assert refresh_opinion_groups_if_changed() == []  # nothing changed
    position = Position.objects.filter(author_id=users[0]).first()
    Position.objects.filter(pk=position.pk).delete()
    assert len(refresh_opinion_groups_if_changed()) == 1
    assert len(refresh_opinion_groups()) == 1  # hourly: whatever changed
    triggers = list(OpinionRun.objects.values_list("trigger", flat=True))
    assert triggers == ["hourly", "positions_changed", "positions_changed"]


def test_an_erased_account_is_gone_from_the_next_run(camps, settings):
    consultation, users, _ = camps
    settings.DELETED_ACCOUNTS_KEEP_POSITIONS = True  # even when their positions stay
    services.opinion_groups_compute(consultation=consultation, trigger="manual")
    account_delete(user=User.objects.get(pk=users[0]))
    assert refresh_opinion_groups_if_changed()  # the erasure is a change
    assert OpinionRun.objects.first().participants == 35
    assert not OpinionMembership.objects.filter(user_id=users[0]).exists()


def test_the_schedules_exist(db):
    tasks = dict(PeriodicTask.objects.values_list("task", "crontab__minute"))
    assert tasks["results.tasks.refresh_opinion_groups_if_changed"] == "*"
    assert tasks["results.tasks.refresh_opinion_groups"] == "17"


# -- Pages, API, exports ---------------------------------------------------------------------


@pytest.fixture
def computed(camps):
    consultation, users, truth = camps
    services.opinion_groups_compute(consultation=consultation, trigger="manual")
    return consultation, users


PAGE = "/consultations/camps/results/opinion-groups/"


def test_the_page_reads_the_stored_run_in_a_fixed_number_of_queries(
    client, computed, django_assert_num_queries
):
    # 1 the consultation, 2 the latest run, 3 the recommendations; the base page's own
    # (the nav's open consultation is cached) come on top: pinned at the total.
    with django_assert_num_queries(3):
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="card opinion-group"') == 3
    assert 'id="groups-table"' in html and 'id="declared-table"' in html
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart opinion-map"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<circle") == 36
    assert "<a" not in svg and "href" not in svg and "data-" not in svg
    assert svg.count("<title") == 1  # the map's own, none per dot
    assert "Which group am I in?" not in html  # anonymous
    declared = client.get(PAGE + "?colour=declared").content.decode()
    assert "Participants by declared stakeholder group" in declared


def test_the_page_costs_the_same_with_more_participants(
    client, db, django_assert_num_queries, consultation_factory
):
    consultation = consultation_factory(slug="bigger")
    values, _ = planted(camps=4, per_camp=150, recommendations=15)
    create_positions(consultation=consultation, values=values)
    services.opinion_groups_compute(consultation=consultation, trigger="manual")
    with django_assert_num_queries(3):
        assert client.get("/consultations/bigger/results/opinion-groups/").status_code == 200


def test_a_person_sees_their_own_group_on_their_own_page_only(client, computed):
    consultation, users = computed
    me = User.objects.get(pk=users[0])
    label = OpinionMembership.objects.get(user=me).label
    mine = "/consultations/camps/results/opinion-groups/mine/"
    assert client.get(mine).status_code == 302  # sign in first
    client.force_login(me)
    html = client.get(mine).content.decode()
    assert f"you are in Group {chr(65 + label)}" in html
    page = client.get(PAGE).content.decode()
    assert "you are in" not in page and "Which group am I in?" in page


def test_results_page_links_to_the_opinion_groups(client, computed):
    html = client.get("/consultations/camps/results/").content.decode()
    assert PAGE in html


def test_api_gives_the_latest_run(client, computed):
    data = client.get("/api/consultations/camps/opinion-groups/").json()
    assert data["run"]["participants"] == 36 and data["run"]["k"] == 3
    assert [g["group"] for g in data["groups"]] == ["A", "B", "C"]
    assert sum(g["participants"] for g in data["groups"]) == 36
    assert all(g["representative"] for g in data["groups"])
    assert len(data["recommendations"]) == 8
    assert all(0 <= r["consensus"] <= 1 for r in data["recommendations"])
    results = client.get("/api/consultations/camps/results.json").json()
    assert results["opinion_groups"]["run"]["k"] == 3


def test_api_before_any_run(client, consultation_factory):
    consultation_factory(slug="quiet")
    data = client.get("/api/consultations/quiet/opinion-groups/").json()
    assert data == {
        "run": None,
        "groups": [],
        "recommendations": [],
        "declared": [],
        "label_agreement": None,
    }
    assert client.get("/api/consultations/quiet/results.json").json()["opinion_groups"] is None


def test_results_csv_has_the_opinion_columns(client, computed):
    response = client.get("/consultations/camps/results/data.csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))  # streamed
    assert len(rows) == 8
    for name in ("opinion_consensus", "opinion_divisiveness", "Opinion group C: endorse share"):
        assert re.fullmatch(r"-?\d\.\d{3}", rows[0][name])
