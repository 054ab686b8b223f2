"""The reminder outbox: every statement the reminder engine runs.

`users.next_slot_at` says when to look at a person next, and `pushes` rows (unique per
person, local date and kind) are the queue. Claims use FOR UPDATE SKIP LOCKED on PostgreSQL
(SQLite serialises writers), so replicas never share a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from content.states import (
    DAY_QUESTIONS,
    FINAL_STATUSES,
    Awaiting,
    PainKind,
    PushKind,
    PushStatus,
    Question,
    SessionStatus,
)
from storage.models import ExerciseLevel, PainCheckin, Push, SessionLog, User


@dataclass(frozen=True)
class NewPush:
    """A push the planner wants queued: one row per person, local date and kind."""

    user_id: int
    kind: PushKind
    local_date: date
    due_at: datetime


@dataclass(frozen=True)
class DayRecord:
    """A person's session on one local day, as the planner sees it."""

    status: SessionStatus | None
    morning_logged: bool  # the next-morning score for that session is in
    reminded: bool = False  # that day's training-day reminder was delivered


NO_SESSION = DayRecord(None, False)
REMINDER_KINDS = (PushKind.REMINDER, PushKind.SNOOZED)
DayRecords = dict[tuple[int, date], DayRecord]


@dataclass(frozen=True)
class ClaimedRow:
    """A push this worker has claimed, with the chat it goes to and how often it was tried."""

    push_id: int
    user_id: int
    chat_id: int
    kind: PushKind
    local_date: date
    attempts: int


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return max(result.rowcount or 0, 0)


async def insert_pushes(db: AsyncSession, pushes: Sequence[NewPush]) -> int:
    """Insert pushes, ignoring any whose (user, local date, kind) exists; returns rows added."""
    if not pushes:
        return 0
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Push)
        .values(
            [
                {
                    "user_id": push.user_id,
                    "kind": push.kind,
                    "local_date": push.local_date,
                    "due_at": push.due_at,
                    "status": PushStatus.PENDING,
                    "attempts": 0,
                }
                for push in pushes
            ]
        )
        .on_conflict_do_nothing(index_elements=["user_id", "local_date", "kind"])
    )
    return _rowcount(await db.execute(statement))


async def users_to_plan(db: AsyncSession, now: datetime, limit: int) -> list[User]:
    """People who get pushes and whose next slot has come (or was never set), locked."""
    return list(
        await db.scalars(
            select(User)
            .where(
                User.receives_pushes,
                or_(User.next_slot_at.is_(None), User.next_slot_at <= now),
            )
            .order_by(User.next_slot_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


async def day_records(db: AsyncSession, user_ids: Iterable[int], since: date) -> DayRecords:
    """(user, local day) → that day's session status and whether its morning score is in."""
    rows = await db.execute(
        select(SessionLog.user_id, SessionLog.local_date, SessionLog.status, PainCheckin.id)
        .outerjoin(
            PainCheckin,
            and_(
                PainCheckin.session_id == SessionLog.id,
                PainCheckin.kind == PainKind.NEXT_MORNING,
                PainCheckin.superseded_at.is_(None),  # one current row per session and kind
            ),
        )
        .where(SessionLog.user_id.in_(list(user_ids)), SessionLog.local_date >= since)
    )
    records = {
        (user_id, day): DayRecord(status, checkin is not None)
        for user_id, day, status, checkin in rows
    }
    reminded = await db.execute(
        select(Push.user_id, Push.local_date)
        .where(
            Push.user_id.in_(list(user_ids)),
            Push.local_date >= since,
            Push.kind.in_(REMINDER_KINDS),
            Push.status == PushStatus.SENT,
        )
        .distinct()
    )
    for user_id, day in reminded:
        found = records.get((user_id, day), NO_SESSION)
        records[(user_id, day)] = DayRecord(found.status, found.morning_logged, reminded=True)
    return records


async def active_in_week(db: AsyncSession, user_id: int, monday: date) -> bool:
    """Whether the person trained or was reminded to in the week starting on monday."""
    session = await db.scalar(
        select(SessionLog.id)
        .where(SessionLog.user_id == user_id, SessionLog.local_date >= monday)
        .limit(1)
    )
    if session is not None:
        return True
    reminder = await db.scalar(
        select(Push.id)
        .where(
            Push.user_id == user_id,
            Push.local_date >= monday,
            Push.kind.in_(REMINDER_KINDS),
            Push.status == PushStatus.SENT,
        )
        .limit(1)
    )
    return reminder is not None


async def reschedule_pending(db: AsyncSession, user_id: int, due: dict[int, datetime]) -> None:
    """Move pending pushes (push id → new due time), e.g. after a new morning-check time."""
    for push_id, due_at in due.items():
        await db.execute(
            update(Push)
            .where(Push.id == push_id, Push.user_id == user_id, Push.status == PushStatus.PENDING)
            .values(due_at=due_at)
        )


async def pending_of_kind(db: AsyncSession, user_id: int, kind: PushKind) -> list[Push]:
    """The person's pushes of this kind still waiting in the queue."""
    return list(
        await db.scalars(
            select(Push).where(
                Push.user_id == user_id, Push.kind == kind, Push.status == PushStatus.PENDING
            )
        )
    )


async def cancel_pending(db: AsyncSession, user_id: int, kind: PushKind) -> None:
    """The person's pushes of this kind still waiting will not be sent (their reason ended)."""
    await db.execute(
        update(Push)
        .where(Push.user_id == user_id, Push.kind == kind, Push.status == PushStatus.PENDING)
        .values(status=PushStatus.CANCELLED)
    )


async def recover_stale_claims(db: AsyncSession, claimed_before: datetime) -> int:
    """Claims of a crashed worker: unsent ones return to the queue, in-flight ones become in
    doubt (Telegram may have shown them). Returns how many are now in doubt."""
    await db.execute(
        update(Push)
        .where(Push.status == PushStatus.CLAIMED, Push.claimed_at < claimed_before)
        .values(status=PushStatus.PENDING, claimed_by=None)
    )
    doubtful = await db.execute(
        update(Push)
        .where(Push.status == PushStatus.SENDING, Push.claimed_at < claimed_before)
        .values(status=PushStatus.IN_DOUBT)
    )
    return _rowcount(doubtful)


async def expire_pending(db: AsyncSession, due_before: datetime) -> int:
    """Mark pending pushes due before `due_before` as expired, too late to send; returns how
    many."""
    expired = await db.execute(
        update(Push)
        .where(Push.status == PushStatus.PENDING, Push.due_at < due_before)
        .values(status=PushStatus.EXPIRED)
    )
    return _rowcount(expired)


async def claim_due(db: AsyncSession, now: datetime, worker: str, limit: int) -> list[ClaimedRow]:
    """Claim up to limit due pushes for this worker, oldest first, with each person's chat."""
    # A materialised CTE runs the locking SELECT exactly once. As an `IN (subquery)`,
    # PostgreSQL may run the subquery again for later rows, each time finding the next
    # pending ones: one claim then took far more than `limit` (a whole fan-out in one batch),
    # and a second replica found nothing left to share.
    due = (
        select(Push.id)
        .where(Push.status == PushStatus.PENDING, Push.due_at <= now)
        .order_by(Push.due_at, Push.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    claimed = await db.execute(
        update(Push)
        .where(Push.id.in_(select(due.c.id)), Push.status == PushStatus.PENDING)
        .values(status=PushStatus.CLAIMED, claimed_by=worker, claimed_at=now)
        .returning(Push.id, Push.user_id, Push.kind, Push.local_date, Push.attempts)
    )
    rows = claimed.all()
    if not rows:
        return []
    people = await db.execute(
        select(User.id, User.chat_id).where(User.id.in_({row.user_id for row in rows}))
    )
    chats: dict[int, int] = dict(people.all())  # a Result itself has keys(): not a mapping
    return [
        ClaimedRow(row.id, row.user_id, chats[row.user_id], row.kind, row.local_date, row.attempts)
        for row in sorted(rows, key=lambda row: row.id)
    ]


async def users_by_id(db: AsyncSession, user_ids: Iterable[int]) -> dict[int, User]:
    """The users with these ids, by id; missing ids are simply absent."""
    return {
        user.id: user for user in await db.scalars(select(User).where(User.id.in_(set(user_ids))))
    }


async def levels_by_user(db: AsyncSession, user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each user's level per exercise slug; users with no levels are absent."""
    levels: dict[int, dict[str, int]] = {}
    for row in await db.scalars(
        select(ExerciseLevel).where(ExerciseLevel.user_id.in_(list(user_ids)))
    ):
        levels.setdefault(row.user_id, {})[row.exercise] = row.level
    return levels


async def set_status(
    db: AsyncSession, push_ids: Sequence[int], status: PushStatus, **values: Any
) -> None:
    """Set the status (and any other columns given) of these pushes; no-op for no ids."""
    if push_ids:
        await db.execute(update(Push).where(Push.id.in_(push_ids)).values(status=status, **values))


@dataclass(frozen=True)
class Transition:
    """A step of claimed pushes from one status to another; `attempt`: the step is a try at
    sending, which counts towards the push's attempts."""

    old: PushStatus
    new: PushStatus
    attempt: bool = False


async def move_held(
    connection: AsyncConnection,
    push_ids: Sequence[int],
    worker: str,
    step: Transition,
    now: datetime,
) -> set[int]:
    """Move pushes this worker still holds from one state to another; returns their ids."""
    result = await connection.execute(
        update(Push)
        .where(Push.id.in_(push_ids), Push.status == step.old, Push.claimed_by == worker)
        .values(status=step.new, claimed_at=now, attempts=Push.attempts + int(step.attempt))
        .returning(Push.id)
    )
    return set(result.scalars())


async def release_held(connection: AsyncConnection, push_ids: Sequence[int], worker: str) -> None:
    """Hand claimed pushes back to the queue untouched (shutting down)."""
    await connection.execute(
        update(Push)
        .where(
            Push.id.in_(push_ids),
            Push.status == PushStatus.CLAIMED,
            Push.claimed_by == worker,
        )
        .values(status=PushStatus.PENDING, claimed_by=None, claimed_at=None)
    )


async def retry_later(db: AsyncSession, push_id: int, due_at: datetime) -> None:
    """Put the push back in the queue, unclaimed, to be tried again at `due_at`."""
    await db.execute(
        update(Push)
        .where(Push.id == push_id)
        .values(status=PushStatus.PENDING, claimed_by=None, due_at=due_at)
    )


async def ask_unless_busy(db: AsyncSession, user_id: int, awaiting: Awaiting) -> None:
    """A push asked a question: a typed number now answers it, unless the person is in the
    middle of another step (setting a time zone, say). A message for their clinician they
    have not typed yet is not such a step: the push's question is the newer one on screen."""
    await db.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(
                User.awaiting_question.is_(None),
                User.awaiting_question.in_([*DAY_QUESTIONS, Question.CARE_MESSAGE]),
            ),
        )
        .values(awaiting_question=awaiting.question, awaiting_day=awaiting.day)
    )


async def stop_pushing(db: AsyncSession, user_ids: Sequence[int]) -> None:
    """Telegram says these people blocked the bot or are gone: no more pushes until they
    write again."""
    if not user_ids:
        return
    await db.execute(
        update(User).where(User.id.in_(user_ids)).values(reachable=False, next_slot_at=None)
    )
    await db.execute(
        update(Push)
        .where(Push.user_id.in_(user_ids), Push.status.not_in(list(FINAL_STATUSES)))
        .values(status=PushStatus.CANCELLED)
    )
