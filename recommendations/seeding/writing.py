"""An import's writes, once the whole input is valid: new records in bulk (a few queries per
kind however many records), changes of source text one by one, the wording through the
rewording hook as any rewording goes. State, dates and status are set at creation only."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .. import hooks
from ..models import (
    Advocate,
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationAdvocate,
    RecommendationVersion,
    SeedImport,
)
from .planning import WORDING, Plan, Planned
from .validation import as_datetime

BATCH = 1000


class _Writer:
    def __init__(self, plan: Plan, hashes: dict[str, str], acting_user):
        self.plan, self.hashes, self.acting_user = plan, hashes, acting_user
        self.runs: dict[str, SeedImport] = {}
        self.consultations: dict[str, Consultation] = {}
        self.pillars: dict[tuple, Pillar] = {}
        self.challenges: dict[tuple, Challenge] = {}
        self.advocates: dict[str, Advocate] = {}
        self.new_versions = 0

    def run_of(self, planned: Planned) -> SeedImport:
        name = planned.record.file
        if name not in self.runs:
            self.runs[name] = SeedImport.objects.create(
                file_name=name.rsplit("/", 1)[-1],
                content_hash=self.hashes[name],
                imported_by=self.acting_user,
                imported_at=timezone.now(),
            )
        return self.runs[name]

    def load_lookups(self) -> None:
        slugs = {
            p.record.consultation or p.record.key for ps in self.plan.creates.values() for p in ps
        }
        slugs |= {
            p.record.consultation or p.record.key for ps in self.plan.changes.values() for p in ps
        }
        self.consultations = {c.slug: c for c in Consultation.objects.filter(slug__in=slugs)}
        self.advocates = {a.slug: a for a in Advocate.objects.all()}
        for p in Pillar.objects.filter(consultation__slug__in=slugs).select_related("consultation"):
            self.pillars[(p.consultation.slug, p.code)] = p
        for c in Challenge.objects.filter(consultation__slug__in=slugs).select_related(
            "consultation"
        ):
            self.challenges[(c.consultation.slug, c.code)] = c

    # -- Creation ------------------------------------------------------------------------

    def create_consultations(self) -> None:
        for planned in self.plan.creates["consultation"]:
            d, values = planned.record.data, planned.values
            Consultation.objects.create(
                slug=planned.record.key,
                **values,
                state=d.get("state", Consultation.State.DRAFT),
                opens_at=as_datetime(d.get("opens_at")),
                closes_at=as_datetime(d.get("closes_at")),
                source_digest=planned.digest,
                imported_from=self.run_of(planned),
            )

    def create_advocates(self) -> None:
        Advocate.objects.bulk_create(
            Advocate(slug=p.record.key, name=p.values["name"])
            for p in self.plan.creates["advocates"]
        )

    def _common(self, planned: Planned) -> dict:
        slug = planned.record.consultation
        values = {k: v for k, v in planned.values.items() if k not in ("advocates", "challenges")}
        if "pillar" in values:
            values["pillar"] = self.pillars[(slug, values["pillar"])]
        return values | {
            "consultation": self.consultations[slug],
            "source_digest": planned.digest,
            "imported_from": self.run_of(planned),
        }

    def create_pillars(self) -> None:
        created = Pillar.objects.bulk_create(
            (Pillar(code=p.record.key, **self._common(p)) for p in self.plan.creates["pillars"]),
            batch_size=BATCH,
        )
        self.pillars |= {(p.consultation.slug, p.code): p for p in created}

    def create_challenges(self) -> None:
        planned_list = self.plan.creates["challenges"]
        created = Challenge.objects.bulk_create(
            [Challenge(code=p.record.key, **self._common(p)) for p in planned_list],
            batch_size=BATCH,
        )
        self.challenges |= {(c.consultation.slug, c.code): c for c in created}
        ChallengeAdvocate.objects.bulk_create(
            self._attributions(ChallengeAdvocate, "challenge", created, planned_list),
            batch_size=BATCH,
        )

    def _attributions(self, through, owner: str, objs, planned_list) -> list:
        # By ids: setting a related instance on each of thousands of rows costs seconds.
        return [
            through(
                **{f"{owner}_id": obj.pk},
                advocate_id=self.advocates[slug].pk,
                position=i,
                as_written=as_written,
            )
            for obj, planned in zip(objs, planned_list, strict=True)
            for i, (slug, as_written) in enumerate(planned.values["advocates"])
        ]

    def create_recommendations(self) -> None:
        planned_list = self.plan.creates["recommendations"]
        created = Recommendation.objects.bulk_create(
            [
                Recommendation(
                    reference=p.record.key,
                    status=p.record.data.get("status", Recommendation.Status.OPEN),
                    **self._common(p),
                )
                for p in planned_list
            ],
            batch_size=BATCH,
        )
        RecommendationVersion.objects.bulk_create(
            [
                RecommendationVersion(
                    recommendation_id=r.pk,
                    number=1,
                    title=r.title,
                    body=r.body,
                    author_id=getattr(self.acting_user, "pk", None),
                    reason=f"Imported from {r.imported_from.file_name}",
                    seed_import_id=r.imported_from.pk,
                    created_at=r.imported_from.imported_at,
                )
                for r in created
            ],
            batch_size=BATCH,
        )
        self.new_versions += len(created)
        RecommendationAdvocate.objects.bulk_create(
            self._attributions(RecommendationAdvocate, "recommendation", created, planned_list),
            batch_size=BATCH,
        )
        Through = Recommendation.challenges.through
        Through.objects.bulk_create(
            [
                Through(
                    recommendation_id=r.pk,
                    challenge_id=self.challenges[(p.record.consultation, code)].pk,
                )
                for r, p in zip(created, planned_list, strict=True)
                for code in p.values["challenges"]
            ],
            batch_size=BATCH,
        )

    # -- Changes of the source -----------------------------------------------------------

    def apply_change(self, kind: str, planned: Planned) -> None:
        obj, fields = planned.obj, planned.change.fields
        if kind == "advocates":
            obj.name = planned.values["name"]
            obj.save(update_fields=["name"])
            return
        resolved = planned.values | (self._common(planned) if kind != "consultation" else {})
        # The wording of a recommendation changes by a new version (_reword), never in place.
        skip = {"advocates", "challenges", *(WORDING if kind == "recommendations" else ())}
        for name in fields:
            if name not in skip:
                setattr(obj, name, resolved[name])
        obj.source_digest, obj.imported_from = planned.digest, self.run_of(planned)
        if kind == "recommendations":
            self._reword(planned)
        obj.save()
        if "advocates" in fields:
            through = ChallengeAdvocate if kind == "challenges" else RecommendationAdvocate
            owner = "challenge" if kind == "challenges" else "recommendation"
            through.objects.filter(**{owner: obj}).delete()
            through.objects.bulk_create(self._attributions(through, owner, [obj], [planned]))
        if "challenges" in fields:
            slug = planned.record.consultation
            obj.challenges.set([self.challenges[(slug, c)] for c in planned.values["challenges"]])

    def _reword(self, planned: Planned) -> None:
        obj, values, fields = planned.obj, planned.values, planned.change.fields
        if not any(name in fields for name in WORDING):
            return
        locked = Recommendation.objects.select_for_update().get(pk=obj.pk)
        run = self.run_of(planned)
        version = hooks.wording_change(
            recommendation=locked,
            title=values["title"],
            body=values["body"],
            author=self.acting_user,
            reason=f"The source's text changed: imported from {run.file_name}",
        )
        version.seed_import = run
        version.save(update_fields=["seed_import"])
        obj.title, obj.body = version.title, version.body
        self.new_versions += 1


@transaction.atomic
def write(plan: Plan, *, hashes: dict[str, str], acting_user, apply_changes: bool) -> int:
    """Creates the new records, and applies the source's changes when asked; returns the
    number of new wording versions."""
    writer = _Writer(plan, hashes, acting_user)
    writer.create_consultations()
    writer.create_advocates()
    writer.load_lookups()
    writer.create_pillars()
    writer.create_challenges()
    writer.create_recommendations()
    if apply_changes:
        for kind in ("consultation", "advocates", "pillars", "challenges", "recommendations"):
            for planned in plan.changes[kind]:
                if not planned.change.kept:
                    writer.apply_change(kind, planned)
    return writer.new_versions
