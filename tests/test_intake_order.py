"""Replica ordering (bot.intake.order): an update waits while another living replica holds an
earlier unhandled update of its chat, and only then; not for ever. On PostgreSQL only, as in
the bot: SQLite has one process, so nothing to wait for (and the gate does not look)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from bot.intake.order import ReplicaOrder
from storage import inbox

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
CHAT = 5001


def order(services, wait_seconds: float = 60) -> ReplicaOrder:
    def stale_before():
        return services.clock.now() - timedelta(seconds=30)

    return ReplicaOrder("me", stale_before, wait_seconds, poll_seconds=0.01)


async def held(services, worker: str, *updates: tuple[int, int | None], age: float = 0) -> None:
    """Updates (update_id, chat_id) stored by worker, claimed age seconds ago."""
    claimed_at = services.clock.now() - timedelta(seconds=age)
    async with services.database.connection() as connection:
        rows = [(update_id, "{}", chat) for update_id, chat in updates]
        await inbox.store(connection, rows, worker, claimed_at)


async def gate(services, ordering: ReplicaOrder, update_id: int) -> None:
    """What a turn does first: the gate, in its own transaction."""
    async with services.database.transaction() as db:
        await ordering.let_earlier_go_first(db, update_id, CHAT)


async def test_nothing_earlier_held_elsewhere_means_no_wait(services):
    await held(services, "me", (10, CHAT))  # this replica's own: its pool keeps the order
    await held(services, "other", (30, CHAT), (11, 7002), (12, None))  # later, or not this chat
    await held(services, "gone", (13, CHAT), age=31)  # its replica is gone
    await held(services, "other", (14, CHAT))
    async with services.database.connection() as connection:
        await inbox.mark_handled(connection, [14], services.clock.now())  # handled already
    await asyncio.wait_for(gate(services, order(services), 20), 30)


async def test_an_earlier_update_held_by_another_replica_goes_first(services, caplog):
    await held(services, "other", (10, CHAT))
    seen = asyncio.Event()
    real = inbox.held_elsewhere_before

    async def looking(*args: Any) -> int | None:
        found = await real(*args)
        if found == 10:
            seen.set()
        return found

    with mock.patch.object(inbox, "held_elsewhere_before", looking):
        waiting = asyncio.create_task(gate(services, order(services), 20))
        await asyncio.wait_for(seen.wait(), 30)
        await asyncio.sleep(0.05)  # it looks again, and waits on
        assert not waiting.done()
        async with services.database.connection() as connection:
            await inbox.mark_handled(connection, [10], services.clock.now())
        await asyncio.wait_for(waiting, 30)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_slow_replica_holds_the_chat_up_only_so_long(services, caplog):
    await held(services, "other", (10, CHAT))
    await asyncio.wait_for(gate(services, order(services, wait_seconds=0.05), 20), 30)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "update 20 handled before update 10" in warnings[0].message
