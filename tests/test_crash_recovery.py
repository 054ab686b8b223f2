"""A real `kneecoach run` process is stopped in the middle of a fan-out, by SIGKILL or by
SIGTERM, and started again: every user ends with exactly one reminder, none lost, none
doubled."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from datetime import UTC, datetime, timedelta

from sandbox.emulator import BotApiEmulator, Fault
from tests.auxil.processes import start_kneecoach
from tests.auxil.reminders import add_due_reminders, add_users, delivered, statuses
from tests.conftest import TOKEN

USERS = range(30_000, 30_500)
STALL_AFTER = 200


def start_bot(database_url: str, api_url: str, log_path) -> subprocess.Popen[bytes]:
    return start_kneecoach(
        log_path,
        token=TOKEN,
        database_url=database_url,
        bot_api_url=api_url,
        tick_seconds="0.5",
        claim_lease_seconds="2",
        messages_per_second="200",
    )


def sends(emulator: BotApiEmulator) -> int:
    return sum(1 for _at, method, _chat in emulator.requests if method == "sendMessage")


async def wait_until_quiet(emulator: BotApiEmulator, quiet: float = 0.5) -> None:
    """Until no new sendMessage request has arrived for `quiet` seconds."""
    seen = -1
    while sends(emulator) != seen:
        seen = sends(emulator)
        await asyncio.sleep(quiet)


async def stalled_fanout(services, delay: float) -> BotApiEmulator:
    """All USERS due now; from the 201st message on, every answer takes delay seconds."""
    now = datetime.now(UTC)
    await add_users(services, USERS, timezone="UTC", next_slot_at=now + timedelta(days=2))
    await add_due_reminders(services, USERS, now.date(), now - timedelta(seconds=1))
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.accept_unknown_chats = True
    emulator.faults = [Fault(status=200, method="sendMessage", after=STALL_AFTER, delay=delay)]
    return emulator


async def restart_and_finish(services, database_url, emulator, log_path):
    """A second process sends what is left; returns the statuses once everyone has one."""
    second = start_bot(database_url, emulator.base_url, log_path)
    try:
        await emulator.wait_for(lambda: len(delivered(emulator)) == len(USERS), timeout=90)
        await asyncio.sleep(3)  # longer than the lease and several ticks: any double shows
        return await statuses(services)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 30) == 0


async def test_sigkill_mid_fanout_then_restart(services, tmp_path, database_url):
    # From the 201st message on, Telegram takes 4 s to answer: those requests are in flight
    # (received, not yet acknowledged) when the process dies, the case that would double.
    emulator = await stalled_fanout(services, delay=4.0)
    log_path = tmp_path / "bot.log"
    first = start_bot(database_url, emulator.base_url, log_path)
    try:
        await emulator.wait_for(lambda: sends(emulator) > STALL_AFTER, timeout=60)
        await wait_until_quiet(emulator)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        in_flight = sends(emulator) - sum(delivered(emulator).values())
        assert in_flight > 0 and sends(emulator) < len(USERS)  # killed mid fan-out
        emulator.faults = []
        await emulator.wait_for(lambda: len(delivered(emulator)) == sends(emulator), timeout=15)

        final = await restart_and_finish(services, database_url, emulator, log_path)
    finally:
        if first.poll() is None:
            first.kill()
        await emulator.stop()
    log_text = log_path.read_text()
    assert delivered(emulator) == dict.fromkeys(USERS, 1), log_text[-3000:]
    # In doubt: only the requests in flight at the kill (each push is booked as soon as it is
    # answered); none of them was sent again (checked above).
    assert set(final) == {"sent", "in_doubt"}, final
    assert final["sent"] + final["in_doubt"] == len(USERS)
    assert in_flight <= final["in_doubt"] <= in_flight + 2
    assert TOKEN not in log_text


async def test_sigterm_mid_fanout_finishes_in_flight_and_hands_back_the_rest(
    services, tmp_path, database_url
):
    # From the 201st message on each answer takes a second: groups are in flight at SIGTERM.
    emulator = await stalled_fanout(services, delay=1.0)
    log_path = tmp_path / "bot.log"
    first = start_bot(database_url, emulator.base_url, log_path)
    try:
        await emulator.wait_for(lambda: sends(emulator) > STALL_AFTER, timeout=60)
        first.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(first.wait, 30) == 0
        stopped = await statuses(services)
        # Everything that left was answered and booked; the rest is back in the queue.
        assert set(stopped) == {"sent", "pending"}, stopped
        assert stopped["sent"] == sum(delivered(emulator).values()) == sends(emulator)
        emulator.faults = []

        final = await restart_and_finish(services, database_url, emulator, log_path)
    finally:
        if first.poll() is None:
            first.kill()
        await emulator.stop()
    assert delivered(emulator) == dict.fromkeys(USERS, 1)
    assert final == {"sent": len(USERS)}
    log_text = log_path.read_text()
    assert "finishing the work in flight" in log_text and "stopped cleanly" in log_text
