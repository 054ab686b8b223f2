"""Telegram's sending limits for one process: N messages a second overall, and a short burst
then about one message a second per chat.

PTB's AIORateLimiter has no per-private-chat limit and pauses every request of the bot on one
429; this limiter paces both, and a 429 waits only the request (and chat) that got it. Replies
and reminders share one budget because they share one bot. The reminder engine takes its slot
and its departure *before* it marks a push as being sent, and handles a 429 itself, so a crash
can never leave a push marked "sending" while it still waits here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Sender-side windows are 10% longer than a second, so that jitter between our send and
# Telegram's receipt (network, a busy event loop) never lets Telegram count more in a second.
WINDOW = 1.1
# rate_limit_args: the caller holds a slot and its departure (depart()); a 429 is raised to
# the caller, which decides what to do while it waits.
DEPARTED = "departed"
_PACED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")
# Departures that may leave closer together than the even spacing (3 within one gap at most).
DEPARTURE_BURST = 3


class SlidingWindow:
    """At most `limit` starts in any `window` seconds, granted first come, first served.
    With `even`, starts are also spaced window/limit apart on average, so no burst can bunch
    up later: any `burst` + 1 starts in a row span at least `burst` gaps. (With burst 1 every
    start waits a full gap after the one before; a few more let a reply that comes just after
    another one leave at once, while a sustained stream is still evenly spaced.)"""

    def __init__(
        self, limit: int, window: float = WINDOW, even: bool = False, burst: int = 1
    ) -> None:
        self.limit = limit
        self.window = window
        self.gap = window / limit if even else 0.0
        self.burst = max(1, min(burst, limit))
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until a start is allowed, then count it; callers are served in arrival order."""
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                span = self.burst * self.gap
                if len(self._starts) >= self.burst and now - self._starts[-self.burst] < span:
                    await asyncio.sleep(self._starts[-self.burst] + span - now)
                    continue
                if len(self._starts) < self.limit:
                    self._starts.append(now)
                    return
                await asyncio.sleep(self._starts[0] + self.window - now)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class ChatBuckets:
    """Per chat: a burst of `burst` messages, refilled at `per_second`."""

    def __init__(self, burst: int, per_second: float) -> None:
        self.burst = burst
        self.per_second = per_second
        self._buckets: dict[int, _Bucket] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def acquire(self, chat_id: int) -> None:
        """Wait for a token of this chat's bucket; other chats are not held up meanwhile."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            bucket = self._buckets.setdefault(chat_id, _Bucket(self.burst, time.monotonic()))
            while True:
                now = time.monotonic()
                bucket.tokens = min(
                    self.burst, bucket.tokens + (now - bucket.updated) * self.per_second
                )
                bucket.updated = now
                if bucket.tokens >= 1:
                    bucket.tokens -= 1
                    break
                await asyncio.sleep((1 - bucket.tokens) / self.per_second)
        if len(self._buckets) > 10_000:
            self._forget_idle()

    def _forget_idle(self) -> None:
        """Drop chats whose bucket has refilled: they behave exactly like new ones."""
        now = time.monotonic()
        full_after = self.burst / self.per_second
        for chat_id in [
            chat
            for chat, bucket in self._buckets.items()
            if now - bucket.updated >= full_after and not self._locks[chat].locked()
        ]:
            del self._buckets[chat_id]
            del self._locks[chat_id]


class TelegramRateLimiter(BaseRateLimiter[str]):
    """PTB's rate limiter for the bot: paces sends overall and per chat; a 429 holds back
    only the request that got it. Requests marked DEPARTED skip pacing and get the 429."""

    def __init__(
        self,
        overall_per_second: int = 30,
        chat_burst: int = 3,
        chat_per_second: float = 1.0,
        max_retries: int = 5,
    ) -> None:
        # Pacing spaces out reservations; the departure window is the strict one, checked
        # right before a request leaves, so delays between the two can never bunch requests.
        self.pacing = SlidingWindow(overall_per_second)
        self.departures = SlidingWindow(overall_per_second, even=True, burst=DEPARTURE_BURST)
        self.chats = ChatBuckets(chat_burst, chat_per_second)
        self.max_retries = max_retries
        self.retries_after_429 = 0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def reserve(self, chat_id: int | None) -> None:
        """Wait for a sending slot: the chat's first, then the bot's overall pace."""
        if chat_id is not None:
            await self.chats.acquire(chat_id)
        await self.pacing.acquire()

    async def depart(self) -> None:
        """Wait for this request's departure: the strict, evenly spaced window."""
        await self.departures.acquire()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace send and edit requests (unless the caller already did: DEPARTED) and retry
        after a 429 up to `max_retries` times; other endpoints pass straight through."""
        paced = endpoint.startswith(_PACED_PREFIXES)
        chat_id = _chat_id(data.get("chat_id"))
        departed = rate_limit_args == DEPARTED
        for attempt in range(self.max_retries + 1):
            if paced and not departed:
                await self.reserve(chat_id)
                await self.departures.acquire()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.retries_after_429 += 1
                if departed or attempt == self.max_retries:
                    raise
                seconds = retry_after_seconds(error)
                log.info("429 for %s in chat %s: retrying in %.1f s", endpoint, chat_id, seconds)
                await asyncio.sleep(seconds + 0.05)
        raise AssertionError("unreachable")  # the loop returns or raises


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds. PTB 22 gives a timedelta where PTB_TIMEDELTA opts
    in to what PTB 23 will give (bot.cli.main opts in), else whole seconds with a
    deprecation warning."""
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _chat_id(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
