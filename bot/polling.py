"""Long polling that confirms only what is stored: getUpdates with offset = the newest update
the intake has stored + 1. (PTB's Updater moves the offset as soon as it has fetched a batch,
so a stop or a crash lost whatever was fetched and not yet handled; and one update it could
not read made it fetch the same batch forever.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlencode

from telegram import Update
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.intake import Intake

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class Poller:
    """Long-polls getUpdates and hands the updates to the intake, confirming only stored ones.

    The calls go through the getUpdates client's own post(), not a Bot method: the raw JSON is
    stored and each update read on its own (Bot.get_updates reads the whole batch into
    Updates, and one it cannot read fails the batch). PTB's client still turns Telegram's
    errors into its exceptions."""

    def __init__(self, url: str, request: BaseRequest, intake: Intake, timeout: int) -> None:
        self.url = url  # the bot's Bot API address (Bot.base_url)
        self.request = request  # the client the bot keeps for getUpdates
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
        request = asyncio.ensure_future(self._get_updates(self.timeout + 5, timeout=self.timeout))
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
            await self._get_updates(self.request.read_timeout, limit=1, timeout=0)
        except TelegramError as error:  # harmless: the inbox recognises a re-sent update
            log.info("could not confirm the last updates: %s", error)

    async def _get_updates(self, read_timeout: float | None, **parameters: int) -> Any:
        """One getUpdates call from the offset on, the parameters in the query string (the Bot
        API takes them there as well as in a body); the raw result."""
        if self.offset is not None:
            parameters["offset"] = self.offset
        query = urlencode({**parameters, "allowed_updates": json.dumps(Update.ALL_TYPES)})
        return await self.request.post(f"{self.url}/getUpdates?{query}", read_timeout=read_timeout)


def _longer(delay: float) -> float:
    return min(max(delay * 2, 0.5), MAX_BACKOFF)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
