"""The real bot against a local Bot API (the emulator), for the sandbox, the tests and the
benchmarks: one way to start it, wait for its answers and stop it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.app import (
    KneeBot,
    Receiving,
    SendingLimits,
    build_application,
    serve,
)
from bot.intake import IntakeConfig
from handlers.services import Services
from sandbox.emulator import BotApiEmulator
from scheduler.engine import EngineConfig, PushEngine

LOCAL_TOKEN = "123456789:local-token-not-a-secret"


class HandledUpdates:
    """Update ids the bot has finished handling, so a test waits exactly as long as needed."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self._changed = asyncio.Event()

    def __call__(self, update_id: int, _kind: str) -> None:
        """Record `update_id` as handled and wake every waiter (an intake listener)."""
        self.ids.add(update_id)
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, update_id: int, timeout: float = 60) -> None:
        """The timeout only guards against a hang: on a loaded 2-core machine the first
        drawing (a new process importing matplotlib) alone has taken over 10 s."""
        async with asyncio.timeout(timeout):
            while update_id not in self.ids:
                await self._changed.wait()


@dataclass(frozen=True)
class RunningBot:
    """A bot started against the emulator, with the task that serves it."""

    bot: KneeBot
    handled: HandledUpdates  # wait on an update id to know its replies are all sent
    serving: asyncio.Task[None]

    @property
    def engine(self) -> PushEngine:
        """The running bot's reminder engine, to tick it by hand."""
        return self.bot.engine


@dataclass(frozen=True)
class RemoteBotApi:
    """A Bot API in another process (the emulator a benchmark starts as a server), at its
    base URL, and the token it accepts."""

    base_url: str
    token: str = LOCAL_TOKEN


@asynccontextmanager
async def running_bot(
    services: Services,
    bot_api: BotApiEmulator | RemoteBotApi,
    *,
    engine_config: EngineConfig | None = None,
    limits: SendingLimits | None = None,
    receiving: Receiving | None = None,
    intake: IntakeConfig | None = None,
) -> AsyncIterator[RunningBot]:
    """Serve the bot until the block ends. bot_api is an emulator in this process (its long
    polls are released at the end, so stopping is quick) or one elsewhere."""
    receiving = receiving or Receiving(poll_timeout=1)
    bot = build_application(
        bot_api.token, bot_api.base_url, services, engine_config, limits, intake
    )
    handled = HandledUpdates()
    bot.intake.listeners.append(handled)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(bot, stop, receiving))
    try:
        yield RunningBot(bot, handled, task)
    finally:
        if isinstance(bot_api, BotApiEmulator):
            bot_api.release_polls()
        stop.set()
        await task
