"""Long polling that confirms only what is stored: getUpdates with offset = the newest update
the intake has stored + 1. (PTB's Updater moves the offset as soon as it has fetched a batch,
so a stop or a crash lost whatever was fetched and not yet handled; and one update it could
not read made it fetch the same batch forever.)"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.warnings import PTBUserWarning

from bot.intake import Intake

log = logging.getLogger(__name__)
# getUpdates goes through do_api_request on purpose: the raw JSON is stored, and each update
# is read on its own (Bot.get_updates reads the whole batch, and one bad update fails it).
warnings.filterwarnings("ignore", message="Please use 'Bot.getUpdates'", category=PTBUserWarning)

MAX_BACKOFF = 30.0


class Poller:
    """Long-polls getUpdates and hands the updates to the intake, confirming only stored ones."""

    def __init__(self, bot: Any, intake: Intake, timeout: int) -> None:
        self.bot = bot
        self.intake = intake
        self.timeout = timeout
        self.offset: int | None = None  # the next update_id Telegram may still hold for us

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch, store, confirm, until stop is set; then confirm what is stored and return.
        Updates fetched but not stored are never confirmed: Telegram sends them again."""
        delay = 0.0
        while not stop.is_set():
            if delay:
                await _sleep_unless(stop, delay)
                if stop.is_set():
                    break
            try:
                payloads = await self._fetch(stop)
            except TelegramError as error:
                delay = _longer(delay)
                log.warning("getUpdates failed (%s); again in %.1f s", error, delay)
                continue
            except Exception:
                delay = _longer(delay)
                log.exception("getUpdates failed; again in %.1f s", delay)
                continue
            if payloads is None:  # stopping
                break
            try:
                newest = await self.intake.receive(payloads)
            except Exception as error:  # the database is away: Telegram keeps them for us
                delay = _longer(delay)
                log.warning(
                    "could not store %d updates (%s); they stay with Telegram, again in %.1f s",
                    len(payloads),
                    error,
                    delay,
                )
                continue
            delay = 0.0
            if newest is not None:
                self.offset = newest + 1
        await self._confirm()

    async def _fetch(self, stop: asyncio.Event) -> list[object] | None:
        """One long poll, or None when stop is set first."""
        request = asyncio.ensure_future(
            self.bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": self.offset,
                    "timeout": self.timeout,
                    "allowed_updates": Update.ALL_TYPES,
                },
                read_timeout=self.timeout + 5,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not request.done():
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await request
            return None
        result = request.result()
        return list(result) if isinstance(result, list) else []

    async def _confirm(self) -> None:
        """Tell Telegram that everything stored has arrived, so it does not send it again."""
        if self.offset is None:
            return
        try:
            await self.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": self.offset, "limit": 1, "timeout": 0}
            )
        except TelegramError as error:  # harmless: the inbox recognises a re-sent update
            log.info("could not confirm the last updates: %s", error)


def _longer(delay: float) -> float:
    return min(max(delay * 2, 0.5), MAX_BACKOFF)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
