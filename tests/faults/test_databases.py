"""The database goes away in the middle of conversations: a private PostgreSQL cluster stopped
and started again, its connections killed with pg_terminate_backend, a SQLite disk that fills
up. Every message is answered once the database is back, and every "Logged" or "Noted" the
bot said has its row."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.app import SendingLimits, create_services
from handlers.services import Services
from sandbox.emulator import BotApiEmulator
from sandbox.local import HandledUpdates, running_bot
from storage.models import PainCheckin, SessionLog
from tests.auxil.chat import Chat
from tests.auxil.cluster import PrivateCluster
from tests.conftest import ENGINE_CONFIG, TOKEN

pytestmark = pytest.mark.faults

PEOPLE = range(9100, 9110)
PATIENCE = 60.0  # seconds a message may wait for the database to come back
APOLOGY = "went wrong"
# A connection killed during COMMIT: the row may be stored while the bot could only apologise.
# The person's retry then reads "already logged" or "Updated: 2/10 (it was 2/10)", which
# acknowledges it just as well (and the corrected score is kept, superseded, not counted).
ACKNOWLEDGED = {"Logged": "already logged", "Noted": "Updated:"}
KILL_ROUNDS = 40  # pg_terminate_backend on every connection, 50 ms apart
ATTEMPTS = 40  # a person tries again after each apology...
RETYPING = 0.2  # ...after the time it takes to type it again


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
async def on_cluster(cluster, clock) -> AsyncIterator[Services]:
    name = f"kneecoach_fault_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(cluster.admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    services = await create_services(cluster.url(name), clock)
    yield services
    await services.database.dispose()


@dataclass
class Tally:
    """What the people saw: messages sent, answered, apologised for, acknowledged."""

    sent: int = 0
    answered: int = 0
    apologies: int = 0
    acknowledged: Counter[str] = field(default_factory=Counter)

    def line(self, present: dict[str, int]) -> str:
        return (
            f"{self.sent} messages, {self.answered} answered ({self.apologies} apologies), "
            f"acknowledged {dict(self.acknowledged)}, rows present {present}"
        )


async def say(chat: Chat, handled: HandledUpdates, text: str, tally: Tally) -> str:
    """Send text and wait, however long the database takes, for the bot to finish with it."""
    emulator = chat.emulator
    before = len(emulator.events)
    update_id = emulator.send_message(chat.user_id, text, chat.first_name)
    tally.sent += 1
    await handled.wait(update_id, timeout=PATIENCE)
    replies = " ".join(e.text for e in emulator.events[before:] if e.chat_id == chat.user_id)
    tally.answered += bool(replies)
    tally.apologies += APOLOGY in replies
    for word, also in ACKNOWLEDGED.items():
        tally.acknowledged[word] += word in replies or also in replies
    return replies


async def log_and_score(chat: Chat, handled: HandledUpdates, tally: Tally) -> None:
    """Today's session done, then its pain score, each tried again after an apology (as a
    person would) until it is acknowledged."""
    for text, word in (("done", "Logged"), ("2", "Noted")):
        for _attempt in range(ATTEMPTS):
            replies = await say(chat, handled, text, tally)
            if word in replies or ACKNOWLEDGED[word] in replies:
                break
            await asyncio.sleep(RETYPING)


async def present(services: Services) -> dict[str, int]:
    async with services.database.transaction() as db:
        sessions = await db.scalar(select(func.count()).select_from(SessionLog))
        scores = await db.scalar(
            select(func.count())
            .select_from(PainCheckin)
            .where(PainCheckin.superseded_at.is_(None))
        )
    return {"Logged": sessions or 0, "Noted": scores or 0}


@contextlib.asynccontextmanager
async def conversation(
    services: Services,
) -> AsyncIterator[tuple[list[Chat], HandledUpdates, BotApiEmulator]]:
    """The bot, with PEOPLE set up, until the block ends."""
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        async with running_bot(
            services, emulator, engine_config=ENGINE_CONFIG, limits=SendingLimits(chat_burst=1000)
        ) as running:
            chats = [Chat(emulator, running.handled, user) for user in PEOPLE]
            await asyncio.gather(*(chat.onboard() for chat in chats))
            yield chats, running.handled, emulator
            emulator.release_polls()
    finally:
        await emulator.stop()


def check(tally: Tally, rows: dict[str, int], what: str) -> None:
    print(f"\n{what}: {tally.line(rows)}")
    assert tally.answered == tally.sent
    assert tally.acknowledged == Counter({"Logged": len(PEOPLE), "Noted": len(PEOPLE)})
    assert rows == {"Logged": len(PEOPLE), "Noted": len(PEOPLE)}


async def test_postgresql_stopped_and_started_mid_conversation(cluster, on_cluster):
    tally = Tally()
    async with conversation(on_cluster) as (chats, handled, emulator):
        await asyncio.to_thread(cluster.stop, "fast")
        talking = asyncio.gather(*(log_and_score(chat, handled, tally) for chat in chats))
        await asyncio.sleep(1.5)  # messages arrive while the database is away...
        assert emulator.unconfirmed == len(PEOPLE)  # ...and stay with Telegram, not stored
        await asyncio.to_thread(cluster.start)
        await talking
    check(tally, await present(on_cluster), "PostgreSQL stopped 1.5 s mid-conversation")


async def test_postgresql_connections_killed_mid_conversation(cluster, on_cluster):
    name = on_cluster.database.engine.url.database
    tally = Tally()
    killed = 0
    async with conversation(on_cluster) as (chats, handled, _emulator):
        admin = await asyncpg.connect(cluster.admin_dsn)
        talking = asyncio.gather(*(log_and_score(chat, handled, tally) for chat in chats))
        try:
            # A burst of kills, not a siege: killing every 50 ms for as long as people talk
            # starved them on a loaded machine (a transaction outlived the gap), which proves
            # nothing about recovery. After the burst, every retry must get through.
            for _round in range(KILL_ROUNDS):
                if talking.done():
                    break
                killed += len(
                    await admin.fetch(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = $1 AND pid <> pg_backend_pid()",
                        name,
                    )
                )
                await asyncio.sleep(0.05)
            await talking
        finally:
            await admin.close()
    check(tally, await present(on_cluster), f"pg_terminate_backend x{killed}")
    assert killed > 0


class FullDisk:
    """A small tmpfs to put the database on and fill up (as root), or, where mounting is not
    allowed, SQLite's own size limit (PRAGMA max_page_count) on the bot's one connection."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mounted = (
            os.geteuid() == 0
            and subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                capture_output=True,
            ).returncode
            == 0
        )
        self.filler = folder / "filler"

    async def fill(self, services: Services) -> None:
        if self.mounted:
            await asyncio.to_thread(self._fill_mount)
            return
        async with services.database.connection() as connection:
            pages = (await connection.exec_driver_sql("PRAGMA page_count")).scalar()
            await connection.exec_driver_sql(f"PRAGMA max_page_count = {pages}")

    def _fill_mount(self) -> None:
        filler = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            with contextlib.suppress(OSError):  # until ENOSPC: no space left on device
                while True:
                    os.write(filler, b"\0" * 4096)
        finally:
            os.close(filler)

    async def free(self, services: Services) -> None:
        if self.mounted:
            self.filler.unlink()
            return
        async with services.database.connection() as connection:
            await connection.exec_driver_sql("PRAGMA max_page_count = 1073741823")

    def remove(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "--lazy", str(self.folder)], check=False)


async def test_sqlite_disk_full_mid_conversation(tmp_path, clock):
    folder = tmp_path / "disk"
    folder.mkdir()
    disk = FullDisk(folder)
    services = await create_services(f"sqlite+aiosqlite:///{folder / 'kneecoach.db'}", clock)
    tally = Tally()
    try:
        async with conversation(services) as (chats, handled, emulator):
            await disk.fill(services)
            talking = asyncio.gather(*(log_and_score(chat, handled, tally) for chat in chats))
            await asyncio.sleep(1.5)  # messages arrive while nothing can be written...
            assert emulator.unconfirmed == len(PEOPLE)  # ...and stay with Telegram
            await disk.free(services)
            await talking
        rows = await present(services)
    finally:
        await services.database.dispose()
        disk.remove()
    how = "tmpfs" if disk.mounted else "max_page_count"
    check(tally, rows, f"SQLite disk full 1.5 s mid-conversation ({how})")
