"""The Patient-Specific Functional Scale, for everyone: the person names up to three activities
their knee makes hard, then rates each (0 = unable, 10 = as before); a later round rates the
same ones and the mean is compared with the round before. What to ask next is decided here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content import psfs as scale
from content.catalogue import Catalogue
from content.states import Awaiting, Question
from scheduler.slots import local_day
from storage import psfs
from storage.models import User
from storage.psfs import Activity


@dataclass(frozen=True)
class NameActivity:
    """Ask for (another) activity: `named` so far, `added` just now (None: the first ask)."""

    named: int
    most: int
    added: str | None = None


@dataclass(frozen=True)
class RateActivity:
    """Ask how well they can do `activity` (number `position` of `count`) in the round of day."""

    activity: Activity
    position: int
    count: int
    day: date


@dataclass(frozen=True)
class Completed:
    """A round is rated: each activity's score, the mean, and how it moved (None: the first)."""

    scores: tuple[tuple[str, int], ...]
    mean: float
    previous: float | None
    change: scale.Change | None


Step = NameActivity | RateActivity | Completed


async def begin(db: AsyncSession, catalogue: Catalogue, user: User, now: datetime) -> Step:
    """/psfs: name the activities first; with them named, rate them in today's round."""
    activities = await psfs.activities(db, user.id)
    if not activities:
        user.awaiting = Awaiting(Question.PSFS_ACTIVITY)
        return NameActivity(0, catalogue.program.psfs.activities_max)
    return await _next(db, catalogue, user, activities, local_day(now, user.timezone))


async def name_activity(
    db: AsyncSession, catalogue: Catalogue, user: User, typed: str, now: datetime
) -> Step | None:
    """One more activity in the person's words; None when it is empty or too long (still
    asking). The last one allowed moves on to rating."""
    rules = catalogue.program.psfs
    name = scale.activity_name(rules, typed)
    if name is None:
        return None
    activities = await psfs.activities(db, user.id)
    if len(activities) < rules.activities_max:
        await psfs.add_activity(db, user.id, len(activities) + 1, name, now)
        activities = await psfs.activities(db, user.id)
    if len(activities) < rules.activities_max:
        return NameActivity(len(activities), rules.activities_max, name)
    return await _next(db, catalogue, user, activities, local_day(now, user.timezone))


async def finish_naming(db: AsyncSession, catalogue: Catalogue, user: User, now: datetime) -> Step:
    """No more activities: rate the ones named (or ask for a first one)."""
    return await begin(db, catalogue, user, now)


async def rate(
    db: AsyncSession, catalogue: Catalogue, user: User, day: date, score: int, now: datetime
) -> Step:
    """The score of the next activity not yet rated in the round of day; then the next one,
    or the round's result."""
    activities = await psfs.activities(db, user.id)
    unrated = await _unrated(db, user, activities, day)
    if unrated:
        await psfs.rate(db, user.id, unrated[0].id, day, score, now)
    return await _next(db, catalogue, user, activities, day)


@dataclass(frozen=True)
class ScaleSummary:
    """The first and the latest complete round, for /report: each activity's scores and the
    means, and how the mean moved (None with one round only)."""

    names: tuple[str, ...]
    first: tuple[date, tuple[int, ...], float]  # day, scores in activity order, mean
    latest: tuple[date, tuple[int, ...], float]
    change: scale.Change | None


async def summary(db: AsyncSession, catalogue: Catalogue, user: User) -> ScaleSummary | None:
    """The functional scale for /report; None before a first complete round."""
    activities = await psfs.activities(db, user.id)
    complete = await _complete_rounds(db, user, activities)
    if not complete:
        return None
    (first_day, first), (day, latest) = complete[0], complete[-1]
    first_mean, latest_mean = scale.mean(first), scale.mean(latest)
    moved = scale.change(catalogue.program.psfs, first_mean, latest_mean)
    return ScaleSummary(
        tuple(activity.name for activity in activities),
        (first_day, first, first_mean),
        (day, latest, latest_mean),
        moved if len(complete) > 1 else None,
    )


async def baseline_missing(db: AsyncSession, user: User) -> bool:
    """No round yet: sharing with a clinician is the moment to ask for the first one."""
    return await psfs.last_round_day(db, user.id) is None


async def means(db: AsyncSession, user: User) -> list[tuple[date, float]]:
    """Each complete round's day and mean, oldest first: what /progress and /report show."""
    activities = await psfs.activities(db, user.id)
    rounds = await _complete_rounds(db, user, activities)
    return [(day, scale.mean(scores)) for day, scores in rounds]


async def _complete_rounds(
    db: AsyncSession, user: User, activities: list[Activity]
) -> list[tuple[date, tuple[int, ...]]]:
    """Each round that rated every activity: its day and the scores in activity order."""
    ids = [activity.id for activity in activities]
    return [
        (item.day, tuple(item.scores[key] for key in ids))
        for item in await psfs.rounds(db, user.id)
        if ids and set(ids) <= item.scores.keys()
    ]


async def _unrated(
    db: AsyncSession, user: User, activities: list[Activity], day: date
) -> list[Activity]:
    today = next((item for item in await psfs.rounds(db, user.id) if item.day == day), None)
    rated = today.scores if today else {}
    return [activity for activity in activities if activity.id not in rated]


async def _next(
    db: AsyncSession, catalogue: Catalogue, user: User, activities: list[Activity], day: date
) -> Step:
    unrated = await _unrated(db, user, activities, day)
    if unrated:
        user.awaiting = Awaiting(Question.PSFS_RATING, day)
        position = len(activities) - len(unrated) + 1
        return RateActivity(unrated[0], position, len(activities), day)
    user.awaiting = None
    return _result(catalogue, activities, await psfs.rounds(db, user.id), day)


def _result(
    catalogue: Catalogue, activities: list[Activity], rounds: list[psfs.Round], day: date
) -> Completed:
    ids = {activity.id for activity in activities}
    complete = [item for item in rounds if ids <= item.scores.keys()]
    now = next(item for item in complete if item.day == day)
    earlier = [item for item in complete if item.day < day]
    mean = scale.mean([now.scores[activity.id] for activity in activities])
    scores = tuple((activity.name, now.scores[activity.id]) for activity in activities)
    if not earlier:
        return Completed(scores, mean, None, None)
    previous = scale.mean([earlier[-1].scores[activity.id] for activity in activities])
    return Completed(scores, mean, previous, scale.change(catalogue.program.psfs, previous, mean))
