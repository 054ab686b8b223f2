"""The real bot against a local Bot API (the emulator), for the sandbox, the tests and the
benchmarks: one way to start it, wait for its answers and stop it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.app import (
    HandledUpdates,
    KneeBot,
    Receiving,
    SendingLimits,
    build_application,
    serve,
)
from bot.emulator import BotApiEmulator
from bot.intake import IntakeConfig
from handlers.services import Services
from scheduler.engine import EngineConfig, ReminderEngine

LOCAL_TOKEN = "123456789:local-token-not-a-secret"


@dataclass(frozen=True)
class RunningBot:
    """A bot started against the emulator, with the task that serves it."""

    bot: KneeBot
    handled: HandledUpdates  # wait on an update id to know its replies are all sent
    serving: asyncio.Task[None]

    @property
    def engine(self) -> ReminderEngine:
        """The running bot's reminder engine, to tick it by hand."""
        return self.bot.engine


@asynccontextmanager
async def running_bot(
    services: Services,
    bot_api: BotApiEmulator | str,
    *,
    token: str | None = None,
    engine_config: EngineConfig | None = None,
    limits: SendingLimits | None = None,
    receiving: Receiving | None = None,
    intake: IntakeConfig | None = None,
) -> AsyncIterator[RunningBot]:
    """Serve the bot until the block ends. bot_api is an emulator in this process (its long
    polls are released at the end, so stopping is quick) or the base URL of one elsewhere,
    which then must accept `token` (LOCAL_TOKEN by default)."""
    if isinstance(bot_api, str):
        base_url, token = bot_api, token or LOCAL_TOKEN
    else:
        base_url, token = bot_api.base_url, token or bot_api.token
    receiving = receiving or Receiving(poll_timeout=1)
    bot = build_application(token, base_url, services, engine_config, limits, intake)
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
