"""Holds: what starts one (a red flag tapped, a "see a clinician" review), its one follow-up,
and what ends it (a clinician's clearance, or a review answered by carrying on at the easiest
levels). Advice has follow-through: while a hold is open there are no sessions and no
training-day reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import NONE_OF_THESE, Catalogue, Moment
from content.progression import ClinicianReason, Decision, Scores, easiest_steps
from content.states import HoldEnd, HoldKind
from scheduler.planner import hold_followup, review_hold
from scheduler.slots import local_day
from storage import holds, training
from storage import safety as answers
from storage.holds import HoldView  # front doors render it: named here for them
from storage.models import User
from usecases.training import restart_pushes


async def open_hold(db: AsyncSession, catalogue: Catalogue, user: User) -> HoldView | None:
    """The person's open holds as they are told about them; None when the program runs."""
    if not user.on_hold:
        return None
    return await holds.hold_view(db, catalogue.safety, user)


async def start_review(
    db: AsyncSession,
    catalogue: Catalogue,
    user: User,
    reason: ClinicianReason,
    evidence: tuple[Scores, ...],
    now: datetime,
) -> bool:
    """Hold the program for a clinician review; False when one is held for that already."""
    after = catalogue.program.holds.followup_after_days
    new = review_hold(user, reason, evidence, now, after)
    started = await holds.start_hold(db, user, new, now)
    return started is not None


async def none_of_these(db: AsyncSession, user: User, moment: Moment, now: datetime) -> None:
    """The screen answered "None of these": kept, nothing else changes."""
    await answers.record_answer(db, user.id, NONE_OF_THESE, moment, now)


async def tap_flag(
    db: AsyncSession, catalogue: Catalogue, user: User, key: str, moment: Moment, now: datetime
) -> list[str]:
    """A red flag tapped: kept, and the program held. The flags tapped since the hold began."""
    await answers.record_answer(db, user.id, key, moment, now)
    after = catalogue.program.holds.followup_after_days
    followup = hold_followup(user, now, after)
    await holds.start_hold(db, user, holds.NewHold(HoldKind.RED_FLAG, followup=followup), now)
    user.awaiting = None
    red_flag = next(
        hold for hold in await holds.open_holds(db, user.id) if hold.kind is HoldKind.RED_FLAG
    )
    return [key for key, _ in await answers.flag_taps_since(db, user.id, red_flag.started_at)]


class Clearing(Enum):
    """What the clearance button did."""

    NOT_HELD = "not_held"  # nothing was on hold
    TOO_SOON = "too_soon"  # an emergency or same-day flag was tapped today: a doctor first
    CLEARED = "cleared"  # every hold ended; the program runs again


@dataclass(frozen=True)
class ClearOutcome:
    """The clearance's outcome and, when it came too soon, the day it is possible from."""

    result: Clearing
    clearable_from: date | None = None


async def clear(
    db: AsyncSession, catalogue: Catalogue, user: User, now: datetime, weekly_after: timedelta
) -> ClearOutcome:
    """The person says a clinician checked the knee: every hold ends, regressions before now
    stop counting, and reminders start again from the next slot (nothing is caught up)."""
    view = await open_hold(db, catalogue, user)
    if view is None:
        return ClearOutcome(Clearing.NOT_HELD)
    if not view.clearable(local_day(now, user.timezone)):
        return ClearOutcome(Clearing.TOO_SOON, view.clearable_from)
    await answers.record_clearance(db, user.id, user.held_since, now)
    await holds.end_holds(db, user, HoldEnd.CLEARED, now)
    if user.onboarded:
        await restart_pushes(db, user, now, weekly_after)
    return ClearOutcome(Clearing.CLEARED)


async def carry_on_easiest(
    db: AsyncSession, catalogue: Catalogue, user: User, now: datetime, weekly_after: timedelta
) -> tuple[Decision, ...] | None:
    """Instead of a review: every exercise to its easiest level, the choice recorded as how the
    review hold ended. None when that is not the person's choice to make (no hold, or a red
    flag holds the program too)."""
    view = await open_hold(db, catalogue, user)
    if view is None or not view.review_only:
        return None
    moves = easiest_steps(await training.levels_of(user))
    await training.apply_moves(db, user, moves, now)
    await holds.end_holds(db, user, HoldEnd.EASIEST, now, [HoldKind.REVIEW])
    await restart_pushes(db, user, now, weekly_after)
    return moves
