"""The opinion map's geometry: anonymous dots, as a server-rendered SVG
(templates/results/_opinion_map.svg.html draws it). No dot has a title, link or id: the map
shows where people stand, never who they are."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .selectors import OpinionGroups

SIZE, PAD = 460, 20
# Okabe-Ito: told apart by most forms of colour blindness.
GROUP_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
DECLARED_COLOURS = [*GROUP_COLOURS, "#000000", "#F0E442"]
OTHER_COLOUR = "#9aa3ad"


@dataclass
class Dot:
    cx: str
    cy: str
    fill: str


@dataclass
class Key:
    name: str
    colour: str
    x: str = ""
    y: str = ""


@dataclass
class Map:
    size: int = SIZE + 2 * PAD
    dots: list[Dot] = field(default_factory=list)
    legend: list[Key] = field(default_factory=list)
    labels: list[Key] = field(default_factory=list)  # the groups' letters at their centres
    centre: str = f"{PAD + SIZE / 2:.1f}"


def _xy(x: float, y: float) -> tuple[str, str]:
    return f"{PAD + (x + 1) / 2 * SIZE:.1f}", f"{PAD + (1 - y) / 2 * SIZE:.1f}"


def group_colour(label: int) -> str:
    return GROUP_COLOURS[label % len(GROUP_COLOURS)]


def opinion_map(groups: OpinionGroups, *, by: str) -> Map:
    """`by`: "group" colours the dots by opinion group, "declared" by declared stakeholder
    group (those under 5 people, and none given, together as "other")."""
    chart = Map()
    if by == "declared":
        colours = [DECLARED_COLOURS[i % len(DECLARED_COLOURS)] for i in range(len(groups.overlay))]
        chart.legend = [Key(name, colours[i]) for i, name in enumerate(groups.overlay)]
        chart.legend.append(Key(_("Other or none given"), OTHER_COLOUR))
        for x, y, _label, declared in groups.points:
            cx, cy = _xy(x, y)
            chart.dots.append(Dot(cx, cy, colours[declared] if declared >= 0 else OTHER_COLOUR))
    else:
        chart.legend = [Key(g.name, group_colour(g.label)) for g in groups.groups]
        for x, y, label, _declared in groups.points:
            cx, cy = _xy(x, y)
            chart.dots.append(Dot(cx, cy, group_colour(label)))
    for g in groups.groups:
        cx, cy = _xy(*g.centre)
        chart.labels.append(Key(chr(ord("A") + g.label), group_colour(g.label), cx, cy))
    return chart
