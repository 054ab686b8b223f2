from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import bot.app
from bot.app import SendingLimits, create_services
from handlers.services import Services
from media.process import DrawingProcess
from sandbox.emulator import BotApiEmulator
from sandbox.local import HandledUpdates, running_bot
from scheduler.clock import ManualClock
from scheduler.engine import EngineConfig, PushEngine
from storage.db import Database
from tests.auxil.chat import Chat
from tests.auxil.databases import (
    create_postgres_database,
    drop_postgres_database,
    empty_tables,
    postgres_or_skip,
)
from tests.auxil.reminders import ticks_by_hand

# PTB's time spans as timedelta, as `kneecoach` opts in (bot.cli.main).
os.environ.setdefault("PTB_TIMEDELTA", "true")

TOKEN = "987654321:test-token-abcdefghijklmnop"
# A Wednesday (a default training day) at 09:00 UTC, 10:00 in Berlin.
WEDNESDAY_MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# Tests run ticks themselves (engine.tick()) rather than waiting for the job.
ENGINE_CONFIG = EngineConfig(tick_seconds=3600, backoff_seconds=0.05)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    postgres_or_skip()
    url = asyncio.run(create_postgres_database())
    yield url
    asyncio.run(drop_postgres_database(url))


async def _migrated(database_url: str) -> None:
    database = Database.open(database_url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per test process; each test gets a copy. Running the
    migrations for every test took a third of a second each (test_database.py tests them)."""
    path = tmp_path_factory.mktemp("template") / "kneecoach.db"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    assert not path.with_name(path.name + "-wal").exists()  # all of it is in the one file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "kneecoach.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEDNESDAY_MORNING)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One animation cache for the test session: each file is drawn once."""
    return tmp_path_factory.mktemp("media")


class SessionDrawing(DrawingProcess):
    """The drawing process, kept from one test to the next: starting one (a new interpreter
    importing matplotlib) took seconds for every test that drew a chart, a report or a QR
    code. A bot stopping at the end of a test leaves it running."""

    def close(self) -> None:
        """Kept for the next test (the session's end stops it)."""

    def stop(self) -> None:
        super().close()


@pytest.fixture(scope="session")
def session_drawing() -> Iterator[DrawingProcess]:
    drawing = SessionDrawing()
    yield drawing
    drawing.stop()


@pytest.fixture
async def services(
    database_url: str,
    clock: ManualClock,
    media_dir: Path,
    session_drawing: DrawingProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Services]:
    monkeypatch.setattr(bot.app, "DrawingProcess", lambda: session_drawing)
    built = await create_services(database_url, clock, media_dir)
    if database_url.startswith("postgresql"):
        await empty_tables(built.database.engine)
    yield built
    await built.database.dispose()


@dataclass
class Harness:
    emulator: BotApiEmulator
    services: Services
    clock: ManualClock
    handled: HandledUpdates
    engine: PushEngine
    application: Any

    def chat(self, user_id: int = 5001, first_name: str = "Alex") -> Chat:
        return Chat(self.emulator, self.handled, user_id, first_name)


@pytest.fixture
async def harness(services: Services, clock: ManualClock) -> AsyncIterator[Harness]:
    """The real bot, long-polling the emulator over HTTP on 127.0.0.1."""
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    limits = SendingLimits(chat_burst=1000)
    async with running_bot(
        services, emulator, engine_config=ENGINE_CONFIG, limits=limits
    ) as running:
        ticks_by_hand(running)
        yield Harness(
            emulator, services, clock, running.handled, running.engine, running.bot.application
        )
    await emulator.stop()


@pytest.fixture
async def chat(harness: Harness) -> Chat:
    return harness.chat()


@pytest.fixture
async def ready_chat(chat: Chat) -> Chat:
    await chat.onboard()
    return chat


@pytest.fixture
def drawn(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The arguments of everything the bot sends to its drawing process, in order: the
    chart's data, the report's document."""
    drawing = harness.services.drawing
    calls: list[tuple[Any, ...]] = []
    real = drawing.run

    async def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(drawing, "run", run)
    return calls
