"""The arithmetic of the results: pure functions, no database.

A position's stance counts as a value of support: endorse +1, endorse with reservations +½,
oppose −1. For one recommendation:

* a stakeholder group's *support* is the mean value of its positions, in [−1, 1] (its net
  support share: endorsements, half the endorsements with reservations, minus oppositions,
  over its positions);
* a group *endorses* the recommendation when more than half of its positions endorse it, with
  or without reservations;
* the *consensus score* is ``coverage × mean × (1 − dispersion)``, over the groups with at least
  one position: ``mean`` is the mean of their supports (each group weighs the same, however
  many voices it has), ``dispersion`` the standard deviation of their supports (0 when they
  agree, 1 at most, when half support fully and half oppose fully), and ``coverage`` the
  share of the consultation's active groups (those with a position on any of its
  recommendations) that took a position on this one. Broad support across groups scores near
  +1, support from one group alone scores its share of the active groups, a split between
  groups scores near 0, and broad opposition near −1;
* its *divisiveness* is the standard deviation of stances when every group weighs the same:
  the square root of the variance between the groups' supports plus the mean variance within
  the groups. 0 when everyone agrees; 1 at most.

Positions from people who gave no stakeholder group are shown, but left out of the score and
of the divisiveness: they cannot say whether support is broad across groups.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from math import sqrt
from statistics import fmean, pstdev

STANCE_VALUES = {"endorse": 1.0, "reservations": 0.5, "oppose": -1.0}


@dataclass(frozen=True)
class Tally:
    """One group's positions on one recommendation, counted by stance."""

    endorse: int = 0
    reservations: int = 0
    oppose: int = 0

    @property
    def total(self) -> int:
        return self.endorse + self.reservations + self.oppose

    @property
    def support(self) -> float | None:
        """The group's mean support in [−1, 1]; None without positions."""
        if not self.total:
            return None
        return (
            self.endorse * STANCE_VALUES["endorse"]
            + self.reservations * STANCE_VALUES["reservations"]
            + self.oppose * STANCE_VALUES["oppose"]
        ) / self.total

    @property
    def variance(self) -> float:
        """The variance of the stance values within the group (0 without positions)."""
        mean = self.support
        if mean is None:
            return 0.0
        return (
            sum(
                count * (STANCE_VALUES[stance] - mean) ** 2
                for stance, count in self.counts().items()
            )
            / self.total
        )

    @property
    def endorses(self) -> bool:
        return self.total > 0 and (self.endorse + self.reservations) * 2 > self.total

    def counts(self) -> dict[str, int]:
        return {"endorse": self.endorse, "reservations": self.reservations, "oppose": self.oppose}

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            self.endorse + other.endorse,
            self.reservations + other.reservations,
            self.oppose + other.oppose,
        )


def _with_positions(tallies: Iterable[Tally]) -> list[Tally]:
    return [t for t in tallies if t.total]


def consensus_score(tallies: Iterable[Tally], *, active_groups: int) -> float | None:
    """``coverage × mean × (1 − dispersion)`` over the groups with positions (see above).

    `tallies`: one per stakeholder group (not the positions without a group);
    `active_groups`: how many groups took a position anywhere in the consultation.
    None when no group took a position on this recommendation.
    """
    groups = _with_positions(tallies)
    if not groups:
        return None
    supports = [t.support for t in groups]
    mean = fmean(supports)
    dispersion = pstdev(supports)
    coverage = min(1.0, len(groups) / max(active_groups, len(groups)))
    return coverage * mean * (1.0 - dispersion)


def dispersion(tallies: Iterable[Tally]) -> float | None:
    """The standard deviation of the groups' supports; None with fewer than two groups."""
    supports = [t.support for t in _with_positions(tallies)]
    return pstdev(supports) if len(supports) >= 2 else None


def divisiveness(tallies: Iterable[Tally]) -> float | None:
    """The spread of stances with every group weighing the same (see above); None with fewer
    than two positions."""
    groups = _with_positions(tallies)
    if sum(t.total for t in groups) < 2:
        return None
    between = pstdev([t.support for t in groups]) ** 2
    within = fmean([t.variance for t in groups])
    return sqrt(between + within)


def groups_endorsing(tallies: Iterable[Tally]) -> int:
    return sum(1 for t in tallies if t.endorses)
