"""A person: their row opened for one update (the turn), everything stored about them for
/export, and erasing it all for /delete. Front doors hold the row (`User`) and the database
handle (`Database`) they get from here, and never reach storage themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Program
from storage import inbox, people
from storage.db import Database  # the handle a front door opens its transactions on
from storage.models import (  # the person's row, and the rows /export is made of
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
from storage.people import Sender, UserRows  # who sent an update; all about them, for /export

__all__ = [
    "CareLink",
    "CareMessage",
    "Clearance",
    "Database",
    "ExerciseLevel",
    "Hold",
    "KneeEvent",
    "LevelChange",
    "PainCheckin",
    "PausePeriod",
    "PsfsActivity",
    "PsfsRating",
    "Push",
    "RedFlagAnswer",
    "Sender",
    "SessionExercise",
    "SessionLog",
    "SessionReview",
    "User",
    "UserRows",
    "WeeklyReview",
    "erase",
    "everything_about",
    "open_turn",
]


async def open_turn(
    db: AsyncSession, update_id: int, sender: Sender, program: Program, now: datetime
) -> User | None:
    """The update recorded as handled in this transaction and the sender's row, locked for
    it (made on first contact); None when the update was handled before."""
    if not await inbox.take(db, update_id, now):
        return None
    return await people.get_or_create_user(db, sender, program, now)


@asynccontextmanager
async def everything_about(database: Database, user: User) -> AsyncIterator[UserRows]:
    """Every row stored about the person, for /export: read after the turn has committed, from
    a snapshot of its own, in batches (storage.people.UserRows)."""
    async with database.reading() as db:
        yield UserRows(db, user)


async def erase(db: AsyncSession, user: User) -> None:
    """/delete: every row about the person goes."""
    await people.delete_user(db, user)
