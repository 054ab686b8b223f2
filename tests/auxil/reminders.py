"""Helpers for reminder tests: users and pushes straight in the database, engines on demand."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time
from time import monotonic

from sqlalchemy import func, select
from telegram.ext import ExtBot

from bot.app import push_engine
from bot.transport import AiohttpRequest
from handlers.services import Services
from sandbox.emulator import BotApiEmulator
from sandbox.local import RunningBot
from scheduler.engine import EngineConfig, PushEngine
from scheduler.ratelimit import TelegramRateLimiter
from storage.models import Push, User

REMINDER_TEXT = "Time for today's knee session"


def ticks_by_hand(running: RunningBot) -> None:
    """Tests tick the engine themselves: the repeating job goes before the application starts.
    Its first tick comes a second after start; a test still setting up then (a busy machine)
    had it tick at whatever time the test had set and take the sends the test's own tick was
    about to report."""
    job_queue = running.bot.application.job_queue
    assert job_queue is not None
    for job in job_queue.get_jobs_by_name("pushes"):
        job.schedule_removal()


async def add_users(
    services: Services,
    ids: range | list[int],
    *,
    timezone: str = "Europe/Berlin",
    days: str = "0,2,4",
    at: time = time(7, 30),
    next_slot_at: datetime | None = None,
    language: str = "en",
) -> None:
    now = services.clock.now()
    async with services.database.transaction() as db:
        db.add_all(
            User(
                id=user_id,
                chat_id=user_id,
                first_name=f"User {user_id}",
                timezone=timezone,
                training_days=days,
                reminder_time=at,
                onboarding_step="done",
                paused=False,
                reachable=True,
                created_at=now,
                next_slot_at=next_slot_at,
                language=language,
            )
            for user_id in ids
        )


async def add_due_reminders(
    services: Services, ids: range | list[int], day: date, due_at: datetime
) -> None:
    async with services.database.transaction() as db:
        db.add_all(
            Push(
                user_id=user_id,
                kind="reminder",
                local_date=day,
                due_at=due_at,
                status="pending",
                attempts=0,
            )
            for user_id in ids
        )


async def statuses(services: Services) -> Counter[str]:
    async with services.database.transaction() as db:
        rows = await db.execute(select(Push.status, func.count()).group_by(Push.status))
        return Counter(dict(rows.all()))


def delivered(emulator: BotApiEmulator, text: str = REMINDER_TEXT) -> Counter[int]:
    """Messages containing text that Telegram accepted, per chat."""
    return Counter(
        event.chat_id
        for event in emulator.events
        if event.method == "sendMessage" and text in event.text
    )


def received_at(emulator: BotApiEmulator, method: str = "sendMessage") -> list[float]:
    return [at for at, name, _chat in emulator.requests if name == method]


def max_in_any_second(moments: list[float]) -> int:
    """The most events within any one-second window."""
    times = sorted(moments)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def make_engine(
    services: Services,
    emulator: BotApiEmulator,
    token: str,
    *,
    per_second: int = 30,
    config: EngineConfig | None = None,
    worker: str | None = None,
) -> tuple[PushEngine, ExtBot[None]]:
    limiter = TelegramRateLimiter(per_second, chat_burst=3)
    bot: ExtBot[None] = ExtBot(
        token,
        base_url=emulator.base_url,
        rate_limiter=limiter,
        request=AiohttpRequest(connection_pool_size=64),  # the client the bot ships
    )
    await bot.initialize()
    config = config or EngineConfig(backoff_seconds=0.05)
    engine = push_engine(services, bot, limiter, replace(config, worker=worker))
    return engine, bot


class ThreadedEmulator:
    """An emulator on its own event loop and thread, so the times it records are not held
    up by the bot's loop (the same machine still shares its two cores)."""

    def __init__(self, token: str) -> None:
        self.emulator = BotApiEmulator(token)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> BotApiEmulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self._loop).result(10)
        return self.emulator

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def record_departures(limiter: TelegramRateLimiter) -> list[float]:
    """Times at which the limiter let a message leave (appended as they happen)."""
    departures: list[float] = []
    acquire = limiter.departures.acquire

    async def recording() -> None:
        await acquire()
        departures.append(monotonic())

    limiter.departures.acquire = recording  # type: ignore[method-assign]
    return departures
