"""Reads of the stored opinion groups (the latest run): a fixed number of queries, whatever the
number of participants. Nothing here computes: services.py does, in the background."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import stakeholder_group_label
from recommendations.models import Consultation, Recommendation

from ..models import OpinionMembership, OpinionRun
from .summary import PRIVACY_MIN

LIST_LENGTH = 5  # consensus, divisive and divergence lists


def group_name(label: int) -> str:
    return _("Group %(letter)s") % {"letter": chr(ord("A") + label)}


@dataclass
class Stance:
    recommendation: Recommendation
    stance: str  # "endorse" or "oppose"
    p_in: float
    p_out: float
    representativeness: float
    z: float


@dataclass
class OpinionGroup:
    label: int
    name: str
    size: int
    share: float
    centre: list[float]
    composition: list[tuple[str, int]]
    other: int
    representative: list[Stance]
    agreement: dict[int, float]


@dataclass
class RecommendationScore:
    recommendation: Recommendation
    consensus: float
    consensus_oppose: float
    divisiveness: float
    divergence: float
    agreement: list[float] = field(default_factory=list)  # per group, in the groups' order


@dataclass
class OpinionGroups:
    run: OpinionRun
    groups: list[OpinionGroup]
    recommendations: list[RecommendationScore]
    declared: list[dict]
    overlay: list[str]  # the declared groups the map can colour, by index
    points: list[list]
    label_agreement: float | None

    @property
    def consensus(self) -> list[RecommendationScore]:
        return sorted(self.recommendations, key=lambda r: -r.consensus)[:LIST_LENGTH]

    @property
    def divisive(self) -> list[RecommendationScore]:
        return sorted(self.recommendations, key=lambda r: -r.divisiveness)[:LIST_LENGTH]

    @property
    def divergent(self) -> list[RecommendationScore]:
        return sorted(self.recommendations, key=lambda r: -abs(r.divergence))[:LIST_LENGTH]


def _groups(result: dict, recs: dict[int, Recommendation], total: int) -> list[OpinionGroup]:
    groups = []
    for g in result.get("groups", []):
        if g["size"] < PRIVACY_MIN:  # never stored, and never shown either
            continue
        groups.append(
            OpinionGroup(
                label=g["label"],
                name=group_name(g["label"]),
                size=g["size"],
                share=g["size"] / total if total else 0,
                centre=g["centre"],
                composition=[(c["name"], c["count"]) for c in g["composition"]["declared"]],
                other=g["composition"]["other"],
                representative=[
                    Stance(
                        recommendation=recs[r["recommendation"]],
                        stance=r["stance"],
                        p_in=r["p_in"],
                        p_out=r["p_out"],
                        representativeness=r["representativeness"],
                        z=r["z"],
                    )
                    for r in g["representative"]
                    if r["recommendation"] in recs
                ],
                agreement={int(k): v for k, v in g["agreement"].items()},
            )
        )
    return sorted(groups, key=lambda g: g.label)


def opinion_groups_latest(*, consultation: Consultation) -> OpinionGroups | None:
    """The latest run, or None before the first. Two queries: the run, the recommendations."""
    run = OpinionRun.objects.filter(consultation=consultation).first()
    if run is None:
        return None
    recs = {}
    for rec in Recommendation.objects.filter(consultation=consultation).order_by("position"):
        rec.consultation = consultation  # its URL needs the slug: no query each
        recs[rec.pk] = rec
    result = run.result
    groups = _groups(result, recs, sum(g["size"] for g in result.get("groups", [])))
    shown = {g.label for g in groups}
    scores = [
        RecommendationScore(
            recommendation=recs[r["recommendation"]],
            consensus=r["consensus"],
            consensus_oppose=r["consensus_oppose"],
            divisiveness=r["divisiveness"],
            divergence=r["divergence"],
            agreement=[g.agreement.get(r["recommendation"], 0.5) for g in groups],
        )
        for r in result.get("recommendations", [])
        if r["recommendation"] in recs
    ]
    names = {d["declared"]: stakeholder_group_label(d["name"]) for d in result.get("declared", [])}
    return OpinionGroups(
        run=run,
        groups=groups,
        recommendations=scores,
        declared=result.get("declared", []),
        overlay=[names[d] for d in result.get("overlay", [])],
        points=[p for p in result.get("points", []) if p[2] in shown],
        label_agreement=result.get("label_agreement"),
    )


def opinion_group_of(*, user, groups: OpinionGroups | None) -> OpinionGroup | None:
    """The person's own group in the latest run (one query), for their eyes only."""
    if groups is None or not user.is_authenticated:
        return None
    label = (
        OpinionMembership.objects.filter(
            consultation=groups.run.consultation_id, user=user, run=groups.run
        )
        .values_list("label", flat=True)
        .first()
    )
    return next((g for g in groups.groups if g.label == label), None)
