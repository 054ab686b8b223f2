"""A patient's week as their clinician's digest and /patients show it: pure rules on numbers
the use cases gather. What needs the clinician's attention comes first: an open hold or a
warning sign, then pain rising, then a week without any of the sessions due, then unread
messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

# A median moving by at least this many points reads as rising or falling.
TREND_POINTS = 1.0


@dataclass(frozen=True)
class Pain:
    """The median of one kind of score this week, and the week before (None: no score)."""

    now: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        """This week's median minus the week before's; None without both."""
        if self.now is None or self.before is None:
            return None
        return self.now - self.before

    @property
    def rising(self) -> bool:
        """The median went up by TREND_POINTS or more."""
        return (self.change or 0) >= TREND_POINTS


@dataclass(frozen=True)
class PatientWeek:
    """One patient's last seven days, for one line of the digest."""

    patient_id: int
    first_name: str
    done: int  # sessions done in the seven days
    planned: int  # training days in them (none before the patient joined)
    past_due: int  # of those, the ones before today (today's may still come)
    during: Pain
    morning: Pain
    level_changes: int
    on_hold: bool
    flags: int  # warning signs tapped in the seven days
    psfs_mean: float | None = None
    psfs_change: float | None = None  # since the first round
    psfs_meaningful: bool = False
    unread: int = 0  # the patient's messages the clinician has not answered

    @property
    def needs_attention(self) -> bool:
        """A hold, a flag, pain rising, planned sessions not done, or unread messages."""
        return bool(self.attention_rank < len(_RANKS))

    @property
    def attention_rank(self) -> int:
        """0 = most urgent; len(_RANKS) = nothing needs the clinician."""
        for rank, applies in enumerate(_RANKS):
            if applies(self):
                return rank
        return len(_RANKS)


_RANKS = (
    lambda week: week.on_hold or week.flags > 0,
    lambda week: week.during.rising or week.morning.rising,
    lambda week: week.past_due > 0 and week.done == 0,
    lambda week: week.unread > 0,
)


def attention_first(weeks: Iterable[PatientWeek]) -> list[PatientWeek]:
    """The most urgent first, then by name."""
    return sorted(weeks, key=lambda week: (week.attention_rank, week.first_name.casefold()))


def planned_days(weekdays: Sequence[int], first: date, last: date, joined: date) -> int:
    """Training days from `first` to `last` (both included), none before `joined`."""
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return sum(1 for day in days if day >= joined and day.weekday() in weekdays)


def median_of(scores: Iterable[int | None]) -> float | None:
    """The median of the scores given; None when there is none."""
    present = [score for score in scores if score is not None]
    return float(median(present)) if present else None
