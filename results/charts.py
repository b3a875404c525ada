"""Geometry of the server-rendered SVG charts (templates/results/_chart_*.svg.html draw them).

Numbers are formatted here (a dot as the decimal mark, whatever the language), so templates
only place them. Every chart has a <title>, a <desc> and a data table beside it.
"""

from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .selectors import RecommendationResult, Week

SUPPORT = "#1d6b35"
OPPOSE = "#a11d1d"
POSITIONS = "#1d5fa8"
COMMENTS = "#b35900"
TICK_LABELS = {-1: "−1", -0.5: "−0.5", 0: "0", 0.5: "+0.5", 1: "+1"}


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    fill: str
    label: str  # for the bar's own <title>


@dataclass
class Text:
    x: str
    y: str
    text: str
    anchor: str = "start"


@dataclass
class Line:
    x1: str
    y1: str
    x2: str
    y2: str
    strong: bool = False


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


def score_text(score: float | None) -> str:
    return "—" if score is None else f"{score:+.2f}".replace("-", "−")


def consensus_chart(results: list[RecommendationResult]) -> Chart:
    """Diverging horizontal bars: one per recommendation, from −1 (broad opposition) through
    0 (split or little said) to +1 (broad support across groups)."""
    label_w, plot_w, value_w, row_h, top = 90, 440, 70, 22, 28
    half = plot_w / 2
    centre = label_w + half
    chart = Chart(width=label_w + plot_w + value_w, height=top + row_h * len(results) + 8)
    for tick in (-1, -0.5, 0, 0.5, 1):
        x = centre + tick * half
        chart.lines.append(Line(_n(x), str(top - 6), _n(x), str(chart.height - 4), tick == 0))
        chart.texts.append(Text(_n(x), str(top - 10), TICK_LABELS[tick], "middle"))
    for i, result in enumerate(results):
        y = top + i * row_h
        reference = result.recommendation.reference
        chart.texts.append(Text(str(label_w - 8), _n(y + 15), reference, "end"))
        score = result.score
        value = score_text(score) if score is not None else _("no score")
        chart.texts.append(Text(str(label_w + plot_w + 6), _n(y + 15), value))
        if score:
            width = abs(score) * half
            chart.bars.append(
                Bar(
                    x=_n(centre if score > 0 else centre - width),
                    y=_n(y + 4),
                    width=_n(max(width, 1)),
                    height=str(row_h - 8),
                    fill=SUPPORT if score > 0 else OPPOSE,
                    label=f"{reference}: {value}",
                )
            )
    return chart


def _day(date) -> str:
    """The day in the active language's own date format: 2 March 2026, 2 mars 2026, 2. März."""
    return date_format(date, "DATE_FORMAT")


def _nice_ceiling(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return -(-value // step) * step if value else step
    return value


def activity_chart(weeks: list[Week]) -> Chart:
    """Two bars a week: positions taken (solid blue) and comments posted (hatched orange)."""
    left, top, plot_h, bottom, slot = 44, 12, 160, 34, 26
    chart = Chart(width=max(320, left + slot * len(weeks) + 12), height=top + plot_h + bottom)
    ceiling = _nice_ceiling(max([max(w.positions, w.comments) for w in weeks] or [0]))
    base = top + plot_h
    for tick in (0, ceiling // 2, ceiling) if ceiling >= 2 else (0, ceiling):
        y = base - plot_h * tick / ceiling
        chart.lines.append(Line(str(left), _n(y), str(chart.width - 8), _n(y), tick == 0))
        chart.texts.append(Text(str(left - 6), _n(y + 4), str(tick), "end"))
    # A date label every few weeks: some 80 pixels apart (a month's full name fits), a dozen at
    # most. The language's MONTH_DAY_FORMAT writes it: "2 March", "2 mars", "2. März".
    every = max(-(-80 // slot), -(-len(weeks) // 12))
    for i, week in enumerate(weeks):
        x = left + i * slot + 3
        day = _day(week.start)
        for offset, count, fill, label in (
            (
                0,
                week.positions,
                POSITIONS,
                ngettext(
                    "Week of %(day)s: %(count)s position",
                    "Week of %(day)s: %(count)s positions",
                    week.positions,
                ),
            ),
            (
                10,
                week.comments,
                f"url(#hatch-comments) {COMMENTS}",
                ngettext(
                    "Week of %(day)s: %(count)s comment",
                    "Week of %(day)s: %(count)s comments",
                    week.comments,
                ),
            ),
        ):
            height = plot_h * count / ceiling
            chart.bars.append(
                Bar(
                    x=str(x + offset),
                    y=_n(base - height),
                    width="9",
                    height=_n(height),
                    fill=fill,
                    label=label % {"day": day, "count": count},
                )
            )
        if i % every == 0:
            label = date_format(week.start, "MONTH_DAY_FORMAT")
            chart.texts.append(Text(str(x + 10), str(base + 16), label, "middle"))
    return chart
