"""The downloads: the report as printable HTML and as PDF, its data as CSV."""

from collections.abc import Iterator

from django.template.loader import render_to_string
from django.utils import timezone

from core import pdf, spreadsheets
from responses.selectors import response_statuses_by_recommendation

from .opinions.selectors import OpinionGroups, RecommendationScore
from .selectors import NO_GROUP, Report, group_label

STANCES = ("endorse", "reservations", "oppose")


def _text(value: str | None) -> str:
    return value or ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def report_csv(report: Report, opinions: OpinionGroups | None = None) -> Iterator[str]:
    """One row per recommendation, pillar by pillar: its current and original wording, the
    accepted amendments that changed it, its positions (in all and by stakeholder group), the
    number of groups endorsing it, its consensus score and divisiveness, and the status of the
    organisers' published response (blank while awaited); then, from the latest run of the
    opinion groups, its group-informed consensus, divisiveness and divergence, and each
    opinion group's share of endorsements. Made row by row as it is sent (streamed)."""
    return spreadsheets.stream(_report_rows(report, opinions), lineterminator="\r\n")


def _report_rows(report: Report, opinions: OpinionGroups | None) -> Iterator[list]:
    results = report.results
    responded = response_statuses_by_recommendation(consultation=results.consultation)
    opinion_groups = opinions.groups if opinions else []
    scores = {s.recommendation.pk: s for s in opinions.recommendations} if opinions else {}
    group_names = [g.name for g in results.groups] + [NO_GROUP]
    yield (
        [
            "pillar",
            "pillar_title",
            "reference",
            "title",
            "title_source",  # "editorial": the title is ours, not the source document's
            "wording",
            "version",
            "original_title",
            "original_wording",
            "accepted_amendments",
            "positions",
            *STANCES,
            "groups_with_positions",
            "groups_endorsing",
            "consensus_score",
            "divisiveness",
            *(f"{group_label(name)}: {stance}" for name in group_names for stance in STANCES),
            "response_status",
            "opinion_consensus",
            "opinion_divisiveness",
            "opinion_divergence",
            *(f"Opinion group {chr(ord('A') + g.label)}: endorse share" for g in opinion_groups),
            "comments",
        ]
    )
    for pillar, entries in report.by_pillar:
        for entry in entries:
            result = entry.result
            r = result.recommendation
            rows = {row.name: row.tally for row in result.rows}
            amendments = "; ".join(
                f"#{c.amendment.pk} by {c.amendment.author.public_name}"
                f" ({c.amendment.decided_at:%Y-%m-%d}): {c.version.title}"
                for c in entry.changes
                if c.amendment is not None
            )
            yield (
                [
                    _text(pillar.code),
                    _text(pillar.title),
                    _text(r.reference),
                    _text(r.title),
                    r.title_source,
                    _text(r.body),
                    entry.version_number or "",
                    _text(entry.original.title if entry.original else ""),
                    _text(entry.original.body if entry.original else ""),
                    _text(amendments),
                    result.total.total,
                    *(getattr(result.total, s) for s in STANCES),
                    result.groups_with_positions,
                    result.groups_endorsing,
                    _number(result.score),
                    _number(result.divisiveness),
                    *(
                        getattr(rows[name], s) if name in rows else 0
                        for name in group_names
                        for s in STANCES
                    ),
                    responded.get(r.pk, ""),
                    *_opinion_cells(scores.get(r.pk), opinion_groups),
                    result.comments,
                ]
            )


def _opinion_cells(score: RecommendationScore | None, groups: list) -> list[str]:
    if score is None:
        return [""] * (3 + len(groups))
    return [
        _number(score.consensus),
        _number(score.divisiveness),
        _number(score.divergence),
        *(_number(share) for share in score.agreement),
    ]


def report_html(report: Report, *, request=None, for_pdf: bool = False) -> str:
    return render_to_string(
        "results/report.html",
        {
            "report": report,
            "results": report.results,
            "consultation": report.results.consultation,
            "generated_at": timezone.now(),
            "for_pdf": for_pdf,
            "font_dir": pdf.font_dir().as_posix() if for_pdf else "",
        },
        request=request,
    )


def report_pdf(report: Report) -> bytes:
    """The report's HTML laid out as PDF (core.pdf)."""
    return pdf.html_to_pdf(report_html(report, for_pdf=True))
