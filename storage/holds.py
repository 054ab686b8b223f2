"""Holds: a red flag tapped, or the advice to have the knee reviewed, stops the program until
it ends. Every hold is a row (kept after it ends, for the report, the history, the export and
the charts); users.held_since mirrors whether any is open, so that the reminder planner and
every reply can tell without a query. Only this module writes either."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Notice, hold_detail
from content.catalogue import URGENT_TIERS, Safety, Tier
from content.progression import ClinicianReason, Scores
from content.states import HoldEnd, HoldKind, NoticeKind, PushKind
from storage import outbox
from storage.clinicians import alert
from storage.models import Hold, User
from storage.outbox import NewPush
from storage.safety import flag_taps_since


async def open_holds(db: AsyncSession, user_id: int) -> list[Hold]:
    """The holds open now, oldest first (at most one of each kind)."""
    return list(
        await db.scalars(
            select(Hold)
            .where(Hold.user_id == user_id, Hold.ended_at.is_(None))
            .order_by(Hold.started_at, Hold.id)
        )
    )


@dataclass(frozen=True)
class NewHold:
    """A hold to open: its kind, its reason (a clinician review's), the sessions behind it,
    and the one follow-up push that asks how the person is."""

    kind: HoldKind
    reason: str | None = None
    evidence: Sequence[Scores] = ()
    followup: NewPush | None = None


async def start_hold(db: AsyncSession, user: User, new: NewHold, now: datetime) -> Hold | None:
    """Open a hold of this kind, with its one follow-up; None when one is open already (it
    stays as it began). The person's row is locked first, so a turn and the reminder engine
    (or two replicas) never open two."""
    await db.flush()  # a refresh would drop the turn's unsaved changes to the row
    await db.refresh(user, with_for_update={"key_share": True})
    if any(hold.kind is new.kind for hold in await open_holds(db, user.id)):
        return None
    hold = Hold(
        user_id=user.id,
        kind=new.kind,
        reason=new.reason,
        evidence=[scores_data(scores) for scores in new.evidence],
        started_at=now,
    )
    db.add(hold)
    if user.held_since is None:
        user.held_since = now
    if new.followup is not None:
        await outbox.insert_pushes(db, [new.followup])
    if new.kind is HoldKind.REVIEW:  # every review hold, from a turn or the engine
        reason = ClinicianReason(new.reason) if new.reason else None
        detail = hold_detail(reason, tuple(new.evidence))
        notice = Notice(NoticeKind.REVIEW, user.first_name, user.id, detail=detail)
        await alert(db, user, notice, now)
    await db.flush()
    return hold


async def end_holds(
    db: AsyncSession,
    user: User,
    how: HoldEnd,
    now: datetime,
    kinds: Iterable[HoldKind] = tuple(HoldKind),
) -> list[Hold]:
    """End the open holds of these kinds; the program runs again once none is open."""
    wanted = frozenset(kinds)
    ended, still_open = [], []
    for hold in await open_holds(db, user.id):
        if hold.kind in wanted:
            hold.ended_at, hold.ended_by = now, how
            ended.append(hold)
        else:
            still_open.append(hold)
    user.held_since = min((hold.started_at for hold in still_open), default=None)
    if user.held_since is None:  # nothing left to follow up
        await outbox.cancel_pending(db, user.id, PushKind.FOLLOWUP)
    await db.flush()
    return ended


async def holds_of(db: AsyncSession, user_id: int, since: datetime | None = None) -> list[Hold]:
    """Every hold of the person, oldest first; with `since`, those still open at or after it."""
    query = select(Hold).where(Hold.user_id == user_id)
    if since is not None:
        query = query.where((Hold.ended_at.is_(None)) | (Hold.ended_at >= since))
    return list(await db.scalars(query.order_by(Hold.started_at, Hold.id)))


def latest_end_query(user_id: int) -> Select[datetime | None]:
    """When the person's latest hold ended, as a query to combine with others: regressions
    before it no longer count towards "in a row"."""
    return select(func.max(Hold.ended_at)).where(Hold.user_id == user_id)


@dataclass(frozen=True)
class HoldView:
    """The open holds as the person is told about them."""

    kinds: frozenset[HoldKind]
    since: date  # the local day the earliest open hold began
    tier: Tier | None  # a red-flag hold: the most urgent flag tapped since it began
    review: ClinicianReason | None  # a review hold: why the review was advised
    evidence: tuple[Scores, ...]  # a review hold: the sessions behind the advice
    # The local day from which the person may say they were cleared: the day after the latest
    # emergency or same-day flag was tapped (a doctor first), else the day the hold began.
    clearable_from: date

    @property
    def review_only(self) -> bool:
        """Only a review hold is open: carrying on at the easiest levels is a choice."""
        return self.kinds == {HoldKind.REVIEW}

    def clearable(self, today: date) -> bool:
        """Whether the clearance may be given on `today`."""
        return today >= self.clearable_from


async def hold_view(db: AsyncSession, safety: Safety, user: User) -> HoldView | None:
    """The person's open holds, or None when the program runs."""
    holds = await open_holds(db, user.id)
    if not holds:
        return None
    zone = ZoneInfo(user.timezone)
    since = min(hold.started_at for hold in holds).astimezone(zone).date()
    clearable_from, tier, review = since, None, None
    evidence: tuple[Scores, ...] = ()
    for hold in holds:
        if hold.kind is HoldKind.REVIEW:
            review = ClinicianReason(hold.reason) if hold.reason else None
            evidence = tuple(scores_from(item) for item in hold.evidence)
            continue
        taps = await flag_taps_since(db, user.id, hold.started_at)
        tier = safety.tier_of(key for key, _ in taps)
        urgent = [
            at
            for key, at in taps
            if (flag := safety.flag(key)) is not None and flag.tier in URGENT_TIERS
        ]
        if urgent:
            clearable_from = max(urgent).astimezone(zone).date() + timedelta(days=1)
    return HoldView(
        frozenset(hold.kind for hold in holds), since, tier, review, evidence, clearable_from
    )


def scores_data(scores: Scores) -> dict[str, Any]:
    """A session's scores as stored with a review hold."""
    return {"day": scores.day.isoformat(), "during": scores.during, "morning": scores.morning}


def scores_from(data: dict[str, Any]) -> Scores:
    """A session's scores as stored with a review hold, read back."""
    return Scores(date.fromisoformat(str(data["day"])), data.get("during"), data.get("morning"))
