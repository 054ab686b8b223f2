"""A person's row: created on first contact, exported whole, erased whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from content.catalogue import Program
from content.states import OnboardingStep
from storage.models import (
    Clearance,
    ExerciseLevel,
    Hold,
    KneeEvent,
    LevelChange,
    PainCheckin,
    PausePeriod,
    Push,
    RedFlagAnswer,
    SessionExercise,
    SessionLog,
    SessionReview,
    User,
    WeeklyReview,
)


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


@dataclass(frozen=True)
class UserRows:
    """Every stored row of one user, for /export."""

    user: User
    sessions: list[SessionLog]
    session_exercises: list[SessionExercise]
    pain: list[PainCheckin]  # every score, the corrected ones too (superseded_at set)
    levels: list[ExerciseLevel]
    level_changes: list[LevelChange]
    reviews: list[SessionReview]
    red_flags: list[RedFlagAnswer]
    clearances: list[Clearance]
    weekly_reviews: list[WeeklyReview]
    pushes: list[Push]
    pauses: list[PausePeriod]
    holds: list[Hold]
    knee_events: list[KneeEvent]


async def rows_of_user(db: AsyncSession, user: User) -> UserRows:
    """Every row stored about `user`, each table in a stable order."""

    async def all_of(table: Any, *order: Any) -> list[Any]:
        return list(
            await db.scalars(select(table).where(table.user_id == user.id).order_by(*order))
        )

    sessions = list(
        await db.scalars(
            select(SessionLog)
            .options(selectinload(SessionLog.exercises))
            .where(SessionLog.user_id == user.id)
            .order_by(SessionLog.local_date)
        )
    )
    return UserRows(
        user=user,
        sessions=sessions,
        session_exercises=[row for log in sessions for row in log.exercises],
        pain=await all_of(PainCheckin, PainCheckin.recorded_at, PainCheckin.id),
        levels=await all_of(ExerciseLevel, ExerciseLevel.exercise),
        level_changes=await all_of(LevelChange, LevelChange.id),
        reviews=await all_of(SessionReview, SessionReview.reviewed_at),
        red_flags=await all_of(RedFlagAnswer, RedFlagAnswer.answered_at, RedFlagAnswer.id),
        clearances=await all_of(Clearance, Clearance.cleared_at, Clearance.id),
        weekly_reviews=await all_of(WeeklyReview, WeeklyReview.week_start),
        pushes=await all_of(Push, Push.due_at, Push.id),
        pauses=await all_of(PausePeriod, PausePeriod.started_at, PausePeriod.id),
        holds=await all_of(Hold, Hold.started_at, Hold.id),
        knee_events=await all_of(KneeEvent, KneeEvent.recorded_at, KneeEvent.id),
    )


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
