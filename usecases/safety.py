"""Holds: what starts one (a red flag tapped, a "see a clinician" review), its one follow-up,
and what ends it (a clinician's clearance, or a review answered by carrying on at the easiest
levels). Advice has follow-through: while a hold is open there are no sessions and no
training-day reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Notice
from content.catalogue import NONE_OF_THESE, URGENT_TIERS, Catalogue, Moment
from content.progression import ClinicianReason, Decision, Scores, easiest_steps
from content.states import HoldEnd, HoldKind, NoticeKind
from scheduler.planner import hold_followup, review_hold
from scheduler.slots import local_day, next_daily_slot
from storage import clinicians, holds, training
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
    await _alert_flag(db, catalogue, user, key, now)
    after = catalogue.program.holds.followup_after_days
    followup = hold_followup(user, now, after)
    await holds.start_hold(db, user, holds.NewHold(HoldKind.RED_FLAG, followup=followup), now)
    user.awaiting = None
    red_flag = next(
        hold for hold in await holds.open_holds(db, user.id) if hold.kind is HoldKind.RED_FLAG
    )
    return [key for key, _ in await answers.flag_taps_since(db, user.id, red_flag.started_at)]


async def _alert_flag(
    db: AsyncSession, catalogue: Catalogue, user: User, key: str, now: datetime
) -> None:
    """The clinician hears of a tapped flag: an emergency or same-day one at once, any hour;
    a "soon" one at their next digest hour, with the rest of their morning's news."""
    link = await clinicians.live_link(db, user.id)
    if link is None:
        return
    flag = catalogue.safety.flag(key)
    due = None
    if flag is not None and flag.tier not in URGENT_TIERS:
        clinician = link.clinician
        hour = time(clinician.digest_hour)
        due = next_daily_slot(now, hour, clinician.timezone)[1]
    notice = Notice(NoticeKind.RED_FLAG, user.first_name, user.id, detail=key, due_at=due)
    await clinicians.alert(db, user, notice, now)


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
    db: AsyncSession,
    catalogue: Catalogue,
    user: User,
    now: datetime,
    weekly_after: timedelta,
    clinician_id: int | None = None,
) -> ClearOutcome:
    """The person says a clinician checked the knee, or (clinician_id) their clinician says
    so: every hold ends, regressions before now stop counting, and reminders start again from
    the next slot (nothing is caught up). Only the person's own word waits a day after an
    urgent flag; the clinician has seen them."""
    view = await open_hold(db, catalogue, user)
    if view is None:
        return ClearOutcome(Clearing.NOT_HELD)
    if clinician_id is None and not view.clearable(local_day(now, user.timezone)):
        return ClearOutcome(Clearing.TOO_SOON, view.clearable_from)
    await answers.record_clearance(db, user.id, user.held_since, now, clinician_id)
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
    await clinicians.alert(db, user, Notice(NoticeKind.EASIEST, user.first_name, user.id), now)
    return moves
