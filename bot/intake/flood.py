"""The flood guard: how many updates one chat may have waiting, and what its person is told
past that.

A chat's waiting updates are bounded so that one person forwarding a thousand messages holds
neither memory nor inbox rows for all of them: past the limit an update is dropped before it
is stored (and counted in /metrics), and the person is asked, once while their backlog lasts,
to slow down. The notice goes out on its own task: storing the other updates of the batch,
and confirming them to Telegram, does not wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from typing import Protocol

from telegram.error import TelegramError

from bot.intake.updates import Route
from bot.logs import user_ref
from bot.metrics import Metrics
from content.i18n import N_, _, supported, use_language

log = logging.getLogger(__name__)

SLOW_DOWN = N_(
    "That's a lot of messages at once! I'll answer the ones I have so far. "
    "Please wait for my replies before sending more."
)


class Sender(Protocol):
    """Whatever sends a message to a chat (PTB's bot)."""

    async def send_message(self, chat_id: int, text: str) -> object:
        """Send text to the chat."""
        ...


class FloodGuard:
    """Admits a chat's updates up to the limit; refuses the rest, asking once to slow down."""

    def __init__(self, sender: Sender, metrics: Metrics, limit: int) -> None:
        self.limit = limit
        self._sender = sender
        self._metrics = metrics
        self._warned: set[Hashable] = set()  # asked to slow down during this backlog
        self._notices: set[asyncio.Task[None]] = set()

    def admits(self, route: Route, waiting: int) -> bool:
        """Whether an update may join the `waiting` ones of its chat. When not, it is counted
        as dropped, and the person asked to slow down unless they were already."""
        if waiting < self.limit:
            return True
        self._metrics.updates_dropped.labels("flood").inc()
        if route.key not in self._warned and route.chat_id is not None:
            self._warned.add(route.key)
            log.warning(
                "chat of %s has %d updates waiting: asked to slow down, the rest is dropped",
                user_ref(route.user_id),
                self.limit,
            )
            notice = asyncio.create_task(self._slow_down(route.chat_id, route.language))
            self._notices.add(notice)
            notice.add_done_callback(self._notices.discard)
        return False

    def backlog_cleared(self, key: Hashable) -> None:
        """The chat has nothing waiting any more: a new flood gets a new notice."""
        self._warned.discard(key)

    async def close(self) -> None:
        """Stopping: notices not sent yet are given up."""
        notices = list(self._notices)
        for notice in notices:
            notice.cancel()
        await asyncio.gather(*notices, return_exceptions=True)

    async def _slow_down(self, chat_id: int, language_code: str | None) -> None:
        with use_language(supported(language_code)):
            text = _(SLOW_DOWN)
        try:
            await self._sender.send_message(chat_id, text)
        except TelegramError as error:
            log.warning("could not ask a chat to slow down: %s", error)
