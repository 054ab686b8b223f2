"""The inbox: every update from Telegram is stored here before Telegram is told it arrived, so
none is lost when the process stops, crashes or loses its database for a while.

A row is claimed by the process that stored it and handled at least once: by that process, or
by another one once the claim is older than a lease (the owner renews its claims while it
lives). Handling an update records it in the same transaction as the handler's own writes
(`take`), so a re-delivered update never applies twice. Handled rows lose their payload and
are kept a while, keyed by update_id, so Telegram re-sending an update (or a second webhook
replica receiving it) is recognised; then they are forgotten. Each row names its chat, so that
a replica about to handle an update can let an earlier one of the chat, held by another
replica, go first (`held_elsewhere_before`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    delete,
    event,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import InboxUpdate

# Built once, as every statement an update's reply runs (storage.training says why); on the
# table, not the mapped class, so the ORM's bulk-update bookkeeping is skipped too.
_TABLE = cast(Table, InboxUpdate.__table__)
_TAKE = (
    update(_TABLE)
    .where(_TABLE.c.update_id == bindparam("handled_id"), _TABLE.c.handled_at.is_(None))
    .values(handled_at=bindparam("now"), payload=None)
)
_STORE = {
    name: dialect.insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(_TABLE.c.update_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}

# Run before every update on PostgreSQL (the replicas' per-chat order), so built once too.
_HELD_ELSEWHERE = (
    select(_TABLE.c.update_id)
    .where(
        _TABLE.c.chat_id == bindparam("chat_id"),
        _TABLE.c.update_id < bindparam("before"),
        _TABLE.c.handled_at.is_(None),
        _TABLE.c.claimed_by != bindparam("worker"),
        _TABLE.c.claimed_at > bindparam("after"),
    )
    .order_by(_TABLE.c.update_id)
    .limit(1)
)


@dataclass(frozen=True)
class Stored:
    """An update taken from the inbox to be handled."""

    update_id: int
    payload: str
    attempts: int


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return max(result.rowcount or 0, 0)


async def store(
    connection: AsyncConnection,
    updates: Sequence[tuple[int, str, int | None]],
    worker: str,
    now: datetime,
) -> set[int]:
    """Store (update_id, payload, chat_id) claimed by worker; returns the ids that were new.
    An id already stored (by this process or another replica) is left as it is. Up to 1,000
    updates are one statement (SQLAlchemy's insertmanyvalues page; a getUpdates answer holds
    at most 100, a webhook request one), so a batch is stored whole or not at all even where
    each statement is its own transaction (Database.connection)."""
    if not updates:
        return set()
    # One statement, many parameter sets: SQLAlchemy sends them as multi-row inserts from one
    # cached compilation (a .values([...]) list compiled anew for every batch size).
    statement = _STORE[connection.dialect.name]
    rows = [
        {
            "update_id": update_id,
            "payload": payload,
            "received_at": now,
            "claimed_by": worker,
            "claimed_at": now,
            "attempts": 1,
            "chat_id": chat_id,
        }
        for update_id, payload, chat_id in updates
    ]
    return set((await connection.execute(statement, rows)).scalars())


async def take(db: AsyncSession, update_id: int, now: datetime) -> bool:
    """Inside the transaction that handles an update: record it as handled. False when it
    already was (handled before a crash, then delivered again): its effects are in, so the
    handler must not run again. An update that never went through the inbox is not refused."""
    marked = await db.execute(_TAKE, {"handled_id": update_id, "now": now})
    if _rowcount(marked):
        return True
    known = await db.scalar(select(exists().where(InboxUpdate.update_id == update_id)))
    return not known


_ON_COMMIT = "kneecoach.inbox.on_commit"  # in a db's info: what to call once it commits


def on_commit(db: AsyncSession, callback: Callable[[], None]) -> None:
    """Call callback once db's transaction has committed, never when it rolls back: the
    intake learns so that a turn's `take` is in, and does not record that update again."""
    db.info[_ON_COMMIT] = callback


def _committed(session: Session) -> None:
    callback = session.info.pop(_ON_COMMIT, None)
    if callback is not None:
        callback()


# Once, on the class: a listener on each db cost more than the statement it saves.
event.listen(Session, "after_commit", _committed)


async def mark_handled(
    connection: AsyncConnection, update_ids: Sequence[int], now: datetime
) -> None:
    """These updates are done (replied to, dropped, or found unusable)."""
    if update_ids:
        await connection.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(update_ids), InboxUpdate.handled_at.is_(None))
            .values(handled_at=now, payload=None)
        )


async def claim_unhandled(
    connection: AsyncConnection,
    worker: str,
    now: datetime,
    claimed_before: datetime | None,
    limit: int,
) -> list[Stored]:
    """Unhandled updates, oldest first, that no other process holds: handed back, or claimed
    before claimed_before (their process is gone); None takes every one that worker does not
    hold already (SQLite, where one process owns the database). They are now worker's."""
    conditions: list[ColumnElement[bool]] = [
        InboxUpdate.handled_at.is_(None),
        or_(InboxUpdate.claimed_by.is_(None), InboxUpdate.claimed_by != worker),
    ]
    if claimed_before is not None:
        conditions.append(
            or_(InboxUpdate.claimed_by.is_(None), InboxUpdate.claimed_at < claimed_before)
        )
    candidates = (
        select(InboxUpdate.update_id)
        .where(*conditions)
        .order_by(InboxUpdate.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await connection.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.update_id.in_(candidates.scalar_subquery()),
            InboxUpdate.handled_at.is_(None),
        )
        .values(claimed_by=worker, claimed_at=now, attempts=InboxUpdate.attempts + 1)
        .returning(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts)
    )
    return sorted(
        (Stored(row.update_id, row.payload or "", row.attempts) for row in claimed),
        key=lambda stored: stored.update_id,
    )


async def held_elsewhere_before(
    db: AsyncSession,
    chat_id: int,
    update_id: int,
    worker: str,
    claimed_after: datetime,
) -> int | None:
    """The oldest update of this chat before update_id that another living process holds
    and has not handled yet (its claim is newer than claimed_after), or None."""
    return await db.scalar(
        _HELD_ELSEWHERE,
        {"chat_id": chat_id, "before": update_id, "worker": worker, "after": claimed_after},
    )


async def renew_claims(connection: AsyncConnection, worker: str, now: datetime) -> None:
    """This process is alive: its unhandled claims are fresh again."""
    await connection.execute(
        update(InboxUpdate)
        .where(InboxUpdate.claimed_by == worker, InboxUpdate.handled_at.is_(None))
        .values(claimed_at=now)
    )


async def hand_back(connection: AsyncConnection, worker: str) -> int:
    """Shutting down: this process's unhandled updates are free for the next one at once."""
    result = await connection.execute(
        update(InboxUpdate)
        .where(InboxUpdate.claimed_by == worker, InboxUpdate.handled_at.is_(None))
        .values(claimed_by=None, claimed_at=None)
    )
    return _rowcount(result)


async def forget(connection: AsyncConnection, received_before: datetime) -> int:
    """Drop handled rows received before the given time (Telegram re-sends for a day at most)."""
    result = await connection.execute(
        delete(InboxUpdate).where(
            InboxUpdate.handled_at.is_not(None), InboxUpdate.received_at < received_before
        )
    )
    return _rowcount(result)


async def last_update_id(db: AsyncSession) -> int:
    """The highest update_id remembered (0 when none): a local Bot API that starts again
    numbers its updates after it, as Telegram would."""
    return await db.scalar(select(func.max(InboxUpdate.update_id))) or 0
