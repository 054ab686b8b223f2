"""The inbox bookkeeping (bot.intake.bookkeeping): updates stored once, "handled" recorded once
(by a turn that committed, else by the bookkeeping), claims of a dead process taken up or
given up, this process's claims handed back at stop, handled ids forgotten in time."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.intake.bookkeeping import Bookkeeping
from bot.intake.config import IntakeConfig
from bot.metrics import Metrics
from storage import inbox
from storage.inbox import Stored
from storage.models import InboxUpdate
from tests.auxil.inbox import records_of_handled

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def book(services, metrics: Metrics | None = None, **config) -> Bookkeeping:
    return Bookkeeping(
        services.database, metrics or Metrics(), services.clock, "me", IntakeConfig(**config)
    )


async def row(services, update_id: int) -> InboxUpdate | None:
    async with services.database.transaction() as db:
        return await db.get(InboxUpdate, update_id)


async def recorded(services, update_id: int) -> bool:
    stored = await row(services, update_id)
    return stored is not None and stored.handled_at is not None


async def forgotten(services, update_id: int) -> bool:
    return await row(services, update_id) is None


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Until check() holds; the timeout only guards against a hang."""
    async with asyncio.timeout(30):
        for _poll in itertools.count():
            if await check():
                return
            await asyncio.sleep(0.02)


async def turn(services, ledger: Bookkeeping, update_id: int, fails: bool = False) -> None:
    """What a handler's turn does with the inbox: pass the gate, take the update (recording
    it as handled), then commit, or fail and roll back."""
    with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
        async with services.database.transaction() as db:
            ledger.turn_began(db, update_id)
            assert await inbox.take(db, update_id, services.clock.now())
            if fails:
                raise RuntimeError("the handler failed")


async def test_an_update_is_stored_once(services):
    ledger = book(services)
    assert await ledger.store([(1, "{}", 5), (2, "{}", None)]) == {1, 2}
    assert await ledger.store([(2, "{}", None), (3, "{}", 5)]) == {3}
    stored = await row(services, 1)
    assert stored is not None and stored.claimed_by == "me" and stored.chat_id == 5


async def test_an_update_its_turn_recorded_is_recorded_once(services):
    ledger = book(services)
    await ledger.store([(1, "{}", 5)])
    with records_of_handled(services.database) as records:
        ledger.handling(1)
        await turn(services, ledger, 1)
        ledger.handled(1)
        await ledger.close()
    assert len(records) == 1  # the turn's own
    stored = await row(services, 1)
    assert stored is not None and stored.handled_at is not None and stored.payload is None


async def test_an_update_no_turn_took_is_recorded_by_the_bookkeeping(services):
    ledger = book(services)
    await ledger.store([(1, "{}", 5), (2, "{}", 5)])
    with records_of_handled(services.database) as records:
        for update_id in (1, 2):
            ledger.handling(update_id)
            ledger.handled(update_id)
        await ledger.close()
    assert len(records) == 1  # both in one statement
    for update_id in (1, 2):
        stored = await row(services, update_id)
        assert stored is not None and stored.handled_at is not None and stored.payload is None


async def test_an_update_whose_turn_failed_is_recorded_by_the_bookkeeping(services):
    """The turn's transaction rolled back with its record: the update was handled (its
    handler ran and failed), so it must not be handled again after a restart."""
    ledger = book(services)
    await ledger.store([(1, "{}", 5)])
    ledger.handling(1)
    await turn(services, ledger, 1, fails=True)
    ledger.handled(1)
    await ledger.close()
    stored = await row(services, 1)
    assert stored is not None and stored.handled_at is not None


async def test_a_handled_update_is_recorded_soon_without_a_stop(services):
    ledger = book(services)
    await ledger.store([(1, "{}", 5)])
    ledger.handling(1)
    ledger.handled(1)
    await eventually(lambda: recorded(services, 1))
    await ledger.close()


async def test_on_close_the_unhandled_claims_are_handed_back(services):
    ledger = book(services)
    await ledger.store([(1, "{}", 5), (2, "{}", 5)])
    ledger.handling(1)
    ledger.handled(1)
    ledger.handling(2)  # cut short by the stop
    await ledger.close()
    handled, left = await row(services, 1), await row(services, 2)
    assert handled is not None and handled.handled_at is not None
    assert left is not None and left.handled_at is None and left.claimed_by is None


async def dead_process_rows(services, attempts: dict[int, int]) -> None:
    async with services.database.connection() as connection:
        await connection.execute(
            InboxUpdate.__table__.insert(),
            [
                {
                    "update_id": update_id,
                    "payload": f'{{"update_id": {update_id}}}',
                    "received_at": LONG_AGO,
                    "claimed_by": "a-process-that-died",
                    "claimed_at": LONG_AGO,
                    "attempts": tries,
                }
                for update_id, tries in attempts.items()
            ],
        )


async def test_a_dead_process_updates_are_taken_up_and_the_hopeless_given_up(services):
    metrics = Metrics()
    ledger = book(services, metrics, max_attempts=3)
    await dead_process_rows(services, {103: 1, 101: 2, 102: 3})
    taken: list[Stored] = []
    stale = services.clock.now() - timedelta(seconds=30)
    assert await ledger.take_unhandled(stale, taken.append) == 2
    assert [stored.update_id for stored in taken] == [101, 103]
    assert taken[0].payload == '{"update_id": 101}'
    given_up = await row(services, 102)  # its fourth process: it keeps killing its handler
    assert given_up is not None and given_up.handled_at is not None
    dropped = {"reason": "given_up"}
    assert metrics.registry.get_sample_value("kneecoach_updates_dropped_total", dropped) == 1
    assert await ledger.take_unhandled(stale, taken.append) == 0  # this process's now
    await ledger.close()


async def test_housekeeping_takes_up_stale_claims_and_forgets_old_handled_ids(services):
    ledger = book(services, lease=timedelta(seconds=0.03), keep=timedelta(days=2))
    await dead_process_rows(services, {201: 1})
    async with services.database.connection() as connection:
        await inbox.store(connection, [(202, "{}", None)], "someone", LONG_AGO)
        await inbox.mark_handled(connection, [202], LONG_AGO)
    taken: list[Stored] = []
    ledger.start(taken.append)
    await eventually(lambda: forgotten(services, 202))
    await ledger.close()
    assert [stored.update_id for stored in taken] == [201]
