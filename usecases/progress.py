"""What /progress and /history show: the weeks' sessions against the plan, the levels, the
scores for the chart, and the holds and knee events in between."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.adherence import ProgressSummary, summarize
from content.catalogue import Catalogue
from scheduler.slots import local_day, slot_instant
from storage import training
from storage.models import User
from storage.training import SessionSummary  # a session as /history and the chart read it
from usecases import psfs
from usecases.holds import HeldPeriods, HoldRecord, KneeEventDay, held_periods, hold_records
from usecases.holds import knee_events as knee_events_since

__all__ = ["HistoryView", "ProgressView", "SessionSummary", "history_view", "progress_view"]


@dataclass(frozen=True)
class ProgressView:
    """/progress: the tallies and streak, the levels, the holds of the weeks shown, and what
    the pain chart draws."""

    summary: ProgressSummary
    levels: dict[str, int]
    holds: list[HoldRecord]  # started or still open in the weeks shown
    sessions: list[SessionSummary]  # done ones, oldest first
    day_scores: dict[date, int]  # since the person joined
    skipped: list[date]
    held: HeldPeriods
    joined: date
    activities: list[tuple[date, float]]  # the functional scale's mean of each round

    @property
    def scored(self) -> bool:
        """Whether there is a score to chart."""
        scores = [(session.during, session.morning) for session in self.sessions]
        return bool(self.day_scores) or any(s != (None, None) for s in scores)


async def progress_view(
    db: AsyncSession, catalogue: Catalogue, user: User, today: date
) -> ProgressView | None:
    """/progress's view; None before the first done session."""
    sessions = await training.sessions_with_pain(db, user.id, done_only=True)
    if not sessions:
        return None
    joined = local_day(user.created_at, user.timezone)
    summary = summarize(
        [session.day for session in sessions],
        user.weekdays,
        joined,
        today,
        catalogue.program.progress,
    )
    oldest = summary.earlier_weeks[-1] if summary.earlier_weeks else summary.this_week
    shown_from = slot_instant(oldest.week_start, time(0), user.timezone)
    return ProgressView(
        summary=summary,
        levels=await training.levels_of(user),
        holds=await hold_records(db, catalogue.safety, user, shown_from),
        sessions=list(reversed(sessions)),
        day_scores=await training.day_scores(
            db, user.id, user.timezone, joined, today + timedelta(days=1)
        ),
        skipped=await training.skipped_days(db, user.id),
        held=await held_periods(db, user, today),
        joined=joined,
        activities=await psfs.means(db, user),
    )


@dataclass(frozen=True)
class HistoryView:
    """/history: the last sessions (newest first) and, since the oldest of them, the day
    scores, holds and knee events."""

    sessions: list[SessionSummary]
    day_scores: dict[date, int]
    holds: list[HoldRecord]
    knee_events: list[KneeEventDay]


async def history_view(
    db: AsyncSession, catalogue: Catalogue, user: User, today: date
) -> HistoryView:
    """/history's view."""
    limit = catalogue.program.progress.history_sessions
    sessions = await training.sessions_with_pain(db, user.id, limit=limit)
    if len(sessions) == limit:
        since = sessions[-1].day
    else:
        since = local_day(user.created_at, user.timezone)
    first = slot_instant(since, time(0), user.timezone)
    return HistoryView(
        sessions=sessions,
        day_scores=await training.day_scores(
            db, user.id, user.timezone, since, today + timedelta(days=1)
        ),
        holds=await hold_records(db, catalogue.safety, user, first),
        knee_events=await knee_events_since(db, user, first),
    )
