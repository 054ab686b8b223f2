"""The worker pool (bot.intake.workers): each chat's updates in update_id order, one at a time;
chats served round-robin, a backlog holding no worker from the others; what is queued is
handled on stop, and what cannot finish is cut short and not reported handled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable

from bot.intake.updates import Queued
from bot.intake.workers import WorkerPool


class Recorder:
    """Handles updates by noting them; an update whose id is in `blocked` waits for `release`."""

    def __init__(self, *blocked: int) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.cleared: list[Hashable] = []
        self.blocked = set(blocked)
        self.release = asyncio.Event()
        self.changed = asyncio.Event()

    async def handle(self, item: Queued) -> None:
        self.started.append(item.update_id)
        self.changed.set()
        if item.update_id in self.blocked:
            await self.release.wait()

    def done(self, item: Queued) -> None:
        self.finished.append(item.update_id)
        self.changed.set()

    def pool(self, finish_seconds: float = 5.0) -> WorkerPool:
        return WorkerPool(self.handle, self.done, self.cleared.append, finish_seconds)

    async def until(self, check: Callable[[], bool]) -> None:
        async with asyncio.timeout(30):
            while not check():
                self.changed.clear()
                await self.changed.wait()


def add(pool: WorkerPool, chat: int, *update_ids: int) -> None:
    for update_id in update_ids:
        pool.add(Queued(update_id, {"update_id": update_id}), ("chat", chat))


async def test_one_worker_serves_the_chats_round_robin_each_in_order():
    recorder = Recorder()
    pool = recorder.pool()
    add(pool, 1, 11, 12, 13)
    add(pool, 2, 21)
    assert pool.queued == 4 and pool.waiting(("chat", 1)) == 3
    pool.start(1)
    await pool.stop(30)
    assert recorder.started == [11, 21, 12, 13]  # chat 2 did not wait for chat 1's backlog
    assert recorder.finished == [11, 21, 12, 13]
    assert sorted(recorder.cleared) == [("chat", 1), ("chat", 2)]
    assert pool.queued == 0 and pool.waiting(("chat", 1)) == 0


async def test_a_chats_updates_that_came_out_of_order_go_by_update_id():
    recorder = Recorder()
    pool = recorder.pool()
    add(pool, 1, 15, 13, 14)
    pool.start(2)
    await pool.stop(30)
    assert recorder.finished == [13, 14, 15]


async def test_a_chat_is_handled_one_update_at_a_time_while_others_go_on():
    recorder = Recorder(11)
    pool = recorder.pool()
    pool.start(4)
    add(pool, 1, 11, 12)
    add(pool, 2, 21, 22)
    await recorder.until(lambda: recorder.finished == [21, 22])
    assert recorder.started == [11, 21, 22]  # 12 waits for 11, holding no worker
    recorder.release.set()
    await pool.stop(30)
    assert recorder.finished == [21, 22, 11, 12]


async def test_on_stop_the_update_in_hand_may_finish_and_the_rest_is_left():
    recorder = Recorder(11)
    pool = recorder.pool(finish_seconds=30)
    pool.start(1)
    add(pool, 1, 11, 12)
    await recorder.until(lambda: recorder.started == [11])
    stopping = asyncio.create_task(pool.stop(0.01))
    await asyncio.sleep(0.1)  # past the timeout: the pool waits for the update in hand
    assert not stopping.done()
    recorder.release.set()
    await stopping
    assert recorder.started == [11] and recorder.finished == [11]


async def test_on_stop_an_update_that_does_not_finish_is_cut_short_and_not_reported():
    recorder = Recorder(11)
    pool = recorder.pool(finish_seconds=0.01)
    pool.start(2)
    add(pool, 1, 11)
    await recorder.until(lambda: recorder.started == [11])
    await asyncio.wait_for(pool.stop(0.01), 30)
    assert recorder.finished == []
