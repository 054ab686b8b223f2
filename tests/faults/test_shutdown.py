"""SIGTERM while a backlog of updates is queued, then SIGKILL once the grace period is over (as
compose and Kubernetes do), then a restart: every message is answered once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter

import pytest

from sandbox.emulator import BotApiEmulator
from tests.auxil.processes import start_kneecoach
from tests.conftest import TOKEN

pytestmark = pytest.mark.faults

BUSY = range(6000, 6005)  # five people forward 30 messages each...
PER_BUSY = 30
OTHERS = range(6100, 6120)  # ...then twenty others write once
GRACE = 5.0  # seconds from SIGTERM to SIGKILL; the bot's own budget is less (below)


def start_bot(database_url: str, emulator: BotApiEmulator, log_path):
    return start_kneecoach(
        log_path,
        token=TOKEN,
        database_url=database_url,
        bot_api_url=emulator.base_url,
        tick_seconds="3600",
        shutdown_seconds="3",
        chat_per_second="5",
        chat_queue_limit="50",
    )


def replies(emulator: BotApiEmulator) -> Counter[int]:
    return Counter(
        event.chat_id
        for event in emulator.events
        if event.method == "sendMessage" and "Here's what I can do" in event.text
    )


def sent() -> dict[int, int]:
    return {**dict.fromkeys(BUSY, PER_BUSY), **dict.fromkeys(OTHERS, 1)}


async def wait_quiet(emulator: BotApiEmulator, quiet: float, timeout: float) -> None:
    """Until every message is answered, or no reply came for `quiet` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen = -1
    while loop.time() < deadline:
        answered = sum(replies(emulator).values())
        if answered >= sum(sent().values()) or answered == seen:
            return
        seen = answered
        await asyncio.sleep(quiet)


async def test_sigterm_with_a_backlog_then_sigkill_loses_nothing(services, database_url, tmp_path):
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    log_path = tmp_path / "bot.log"
    for user in BUSY:
        for _ in range(PER_BUSY):
            emulator.send_message(user, "/help")
    for user in OTHERS:
        emulator.send_message(user, "/help")
    first = start_bot(database_url, emulator, log_path)
    try:
        await emulator.wait_for(lambda: emulator.unconfirmed == 0, timeout=30)
        await asyncio.sleep(0.5)
        first.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(first.wait, GRACE)
        except subprocess.TimeoutExpired:
            first.kill()
            code = await asyncio.to_thread(first.wait, 10)
        answered_before_restart = sum(replies(emulator).values())
        asked = len(emulator.requests)
        second = start_bot(database_url, emulator, log_path)
        try:
            # Quiet counts from the second process's first poll: its start-up (place index,
            # catalogues) takes seconds of its own on a busy machine.
            await emulator.wait_for(
                lambda: any(name == "getUpdates" for _, name, _ in emulator.requests[asked:]),
                timeout=60,
            )
            await wait_quiet(emulator, quiet=3.0, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.to_thread(second.wait, 30)
    finally:
        if first.poll() is None:
            first.kill()
        await emulator.stop()
    got = replies(emulator)
    expected = sent()
    unanswered = {
        user: expected[user] - got[user] for user in expected if got[user] < expected[user]
    }
    doubled = {user: got[user] - expected[user] for user in expected if got[user] > expected[user]}
    print(
        f"\nSIGTERM with {sum(expected.values())} updates queued, SIGKILL after {GRACE:.0f} s "
        f"(exit {code}): {answered_before_restart} answered before the restart, "
        f"{sum(got.values())} after it; {sum(unanswered.values())} never answered "
        f"({sum(1 for user in OTHERS if user in unanswered)} of {len(OTHERS)} other people); "
        f"{sum(doubled.values())} answered twice"
    )
    assert code == 0, log_path.read_text()[-3000:]
    assert unanswered == {}
    assert doubled == {}
