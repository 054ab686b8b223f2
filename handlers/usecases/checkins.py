"""Record a pain score for a session and re-judge the exercise levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.progression import Progression, Review
from scheduler.slots import local_day
from storage import training
from storage.models import User
from storage.states import PainKind, SessionStatus


@dataclass(frozen=True)
class ScoreRecorded:
    replaced: bool  # an earlier score for that session and kind was corrected
    review: Review  # what the progression rules decided, already stored


async def record_score(
    db: AsyncSession,
    catalogue: Catalogue,
    user: User,
    kind: PainKind,
    day: date,
    score: int,
    now: datetime,
) -> ScoreRecorded | None:
    """Store the score against that day's done session; None when there is no such session."""
    session_log = await training.session_on(db, user.id, day)
    if session_log is None or session_log.status != SessionStatus.DONE:
        return None
    replaced = await training.record_pain(db, user.id, session_log, kind, score, now)
    return ScoreRecorded(replaced, await review_levels(db, catalogue, user, now))


async def review_levels(
    db: AsyncSession, catalogue: Catalogue, user: User, now: datetime
) -> Review:
    """Apply the progression rules to the person's latest sessions and store what moved."""
    inputs = await training.progression_inputs(db, user)

    def day_of(instant: datetime) -> date:
        return local_day(instant, user.timezone)

    review = Progression(catalogue).review(
        inputs.levels,
        inputs.history,
        {slug: day_of(instant) for slug, instant in inputs.last_step.items()},
        day_of(inputs.last_unlock) if inputs.last_unlock else None,
        day_of(now),
    )
    await training.apply_moves(db, user.id, review.moves, now)
    return review
