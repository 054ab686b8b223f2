"""A person's row: created on first contact, exported whole, erased whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from content.catalogue import Program
from content.states import OnboardingStep
from storage.models import (
    CareLink,
    CareMessage,
    Clearance,
    ExerciseLevel,
    Hold,
    KneeEvent,
    LevelChange,
    PainCheckin,
    PausePeriod,
    PsfsActivity,
    PsfsRating,
    Push,
    RedFlagAnswer,
    SessionExercise,
    SessionLog,
    SessionReview,
    User,
    WeeklyReview,
)

Row = TypeVar("Row")


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as Telegram says it."""

    user_id: int
    chat_id: int
    first_name: str
    language: str


async def get_or_create_user(
    db: AsyncSession, sender: Sender, program: Program, now: datetime
) -> User:
    """The person's row, locked until the transaction ends; made on first contact, in the
    language Telegram reports for them.

    The lock (PostgreSQL's FOR NO KEY UPDATE; SQLite has one writer at a time anyway) makes a
    person's updates apply one at a time even when they reach different replicas: a second
    turn waits for the first to commit and then sees what it wrote. It does not block rows
    that merely refer to the person (reminders, sessions). Two first contacts at once make
    one row: the later insert waits for the earlier one and then does nothing."""
    user_id = sender.user_id
    user = await _locked(db, user_id)
    if user is None:
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
        await db.execute(
            dialect.insert(User)
            .values(
                id=user_id,
                chat_id=sender.chat_id,
                first_name=sender.first_name[:64],
                timezone="UTC",
                language=sender.language,
                training_days=",".join(str(day) for day in program.default_weekdays),
                reminder_time=program.default_reminder_time,
                onboarding_step=OnboardingStep.DISCLAIMER,
                paused=False,
                reachable=True,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        user = await _locked(db, user_id)
        assert user is not None  # inserted now, or by another process that committed it
    else:
        user.chat_id = sender.chat_id
        user.reachable = True
    return user


# Built once, as every statement an update's reply runs (storage.training says why).
_LOCKED_USER = (
    select(User)
    .where(User.id == bindparam("user_id"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)


async def _locked(db: AsyncSession, user_id: int) -> User | None:
    return (await db.execute(_LOCKED_USER, {"user_id": user_id})).scalar_one_or_none()


# Every table that holds a user's rows, children first (the order deletion needs).
USER_TABLES: tuple[Any, ...] = (
    PsfsRating,
    PsfsActivity,
    CareMessage,
    CareLink,
    Hold,
    KneeEvent,
    PausePeriod,
    Push,
    WeeklyReview,
    LevelChange,
    SessionReview,
    RedFlagAnswer,
    Clearance,
    ExerciseLevel,
    PainCheckin,
    SessionExercise,
    SessionLog,
    User,
)


# Rows read at a time for /export: each batch is made into objects and written out before the
# next is read, and other updates get the event loop in between.
EXPORT_BATCH = 50


@dataclass(frozen=True)
class UserRows:
    """Every stored row of one user, for /export: each table in a stable order, read in
    batches from a read-only snapshot (Database.reading), so a long history holds neither
    the event loop nor the connection the turns share for long."""

    db: AsyncSession
    user: User

    def sessions(self) -> AsyncIterator[Sequence[SessionLog]]:
        """By day."""
        return self._all_of(SessionLog, SessionLog.local_date)

    def session_exercises(self) -> AsyncIterator[Sequence[SessionExercise]]:
        """In the order of their sessions."""
        return self._batches(
            select(SessionExercise)
            .join(SessionExercise.session)
            .where(SessionLog.user_id == self.user.id)
            .order_by(SessionLog.local_date, SessionExercise.id)
        )

    def pain(self) -> AsyncIterator[Sequence[PainCheckin]]:
        """Every score, the corrected ones too (superseded_at set), by when it was given."""
        return self._all_of(PainCheckin, PainCheckin.recorded_at, PainCheckin.id)

    def levels(self) -> AsyncIterator[Sequence[ExerciseLevel]]:
        """By exercise."""
        return self._all_of(ExerciseLevel, ExerciseLevel.exercise)

    def level_changes(self) -> AsyncIterator[Sequence[LevelChange]]:
        """In the order they were made."""
        return self._all_of(LevelChange, LevelChange.id)

    def reviews(self) -> AsyncIterator[Sequence[SessionReview]]:
        """By when the session was reviewed."""
        return self._all_of(SessionReview, SessionReview.reviewed_at)

    def red_flags(self) -> AsyncIterator[Sequence[RedFlagAnswer]]:
        """By when each was answered."""
        return self._all_of(RedFlagAnswer, RedFlagAnswer.answered_at, RedFlagAnswer.id)

    def clearances(self) -> AsyncIterator[Sequence[Clearance]]:
        """By when each was given."""
        return self._all_of(Clearance, Clearance.cleared_at, Clearance.id)

    def weekly_reviews(self) -> AsyncIterator[Sequence[WeeklyReview]]:
        """By week."""
        return self._all_of(WeeklyReview, WeeklyReview.week_start)

    def pushes(self) -> AsyncIterator[Sequence[Push]]:
        """By when each was due."""
        return self._all_of(Push, Push.due_at, Push.id)

    def pauses(self) -> AsyncIterator[Sequence[PausePeriod]]:
        """By when each began."""
        return self._all_of(PausePeriod, PausePeriod.started_at, PausePeriod.id)

    def holds(self) -> AsyncIterator[Sequence[Hold]]:
        """By when each began."""
        return self._all_of(Hold, Hold.started_at, Hold.id)

    def knee_events(self) -> AsyncIterator[Sequence[KneeEvent]]:
        """By when each was told."""
        return self._all_of(KneeEvent, KneeEvent.recorded_at, KneeEvent.id)

    def psfs_activities(self) -> AsyncIterator[Sequence[PsfsActivity]]:
        """In the order they were named."""
        return self._all_of(PsfsActivity, PsfsActivity.position)

    def psfs_ratings(self) -> AsyncIterator[Sequence[PsfsRating]]:
        """By round, then activity."""
        return self._all_of(PsfsRating, PsfsRating.round_day, PsfsRating.activity_id)

    def care_links(self) -> AsyncIterator[Sequence[CareLink]]:
        """The consent history: each time the person shared with a clinician, by when."""
        return self._all_of(CareLink, CareLink.consented_at, CareLink.id)

    def care_messages(self) -> AsyncIterator[Sequence[CareMessage]]:
        """The messages to and from their clinicians, by when each was sent."""
        return self._all_of(CareMessage, CareMessage.sent_at, CareMessage.id)

    def _all_of(self, table: Any, *order: Any) -> AsyncIterator[Sequence[Any]]:
        return self._batches(select(table).where(table.user_id == self.user.id).order_by(*order))

    async def _batches(self, query: Select[Row]) -> AsyncIterator[Sequence[Row]]:
        result = await self.db.stream_scalars(query.execution_options(yield_per=EXPORT_BATCH))
        async for batch in result.partitions():
            yield batch
            await asyncio.sleep(0)  # other updates run between two batches


async def delete_user(db: AsyncSession, user: User) -> None:
    """Erase every row of the user in every table, explicitly rather than by cascade, so the
    result does not depend on the database enforcing foreign keys."""
    session_ids = select(SessionLog.id).where(SessionLog.user_id == user.id)
    for table in USER_TABLES:
        condition: ColumnElement[bool]
        if table is SessionExercise:
            condition = SessionExercise.session_id.in_(session_ids)
        elif table is User:
            condition = User.id == user.id
        else:
            condition = table.user_id == user.id
        await db.execute(delete(table).where(condition))
    db.expunge(user)


async def count_receiving_pushes(db: AsyncSession) -> int:
    """People who get reminders now: set up, not paused, reachable, not on hold."""
    return await db.scalar(select(func.count()).select_from(User).where(User.receives_pushes)) or 0


async def start_pause(db: AsyncSession, user_id: int, now: datetime) -> None:
    """Open a pause period starting `now`."""
    db.add(PausePeriod(user_id=user_id, started_at=now))


async def end_pause(db: AsyncSession, user_id: int, now: datetime) -> None:
    """Close the person's open pause period at `now`; nothing happens if none is open."""
    await db.execute(
        update(PausePeriod)
        .where(PausePeriod.user_id == user_id, PausePeriod.ended_at.is_(None))
        .values(ended_at=now)
    )


async def pauses_of(db: AsyncSession, user_id: int) -> list[PausePeriod]:
    """The person's pause periods, oldest first; an open one has no end."""
    return list(
        await db.scalars(
            select(PausePeriod)
            .where(PausePeriod.user_id == user_id)
            .order_by(PausePeriod.started_at)
        )
    )
