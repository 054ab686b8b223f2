"""The flood guard (bot.intake.flood): a chat's waiting updates are bounded, the person is
asked once per backlog to slow down, in their language, and a failed notice stops nothing."""

from __future__ import annotations

import asyncio
import logging

from telegram.error import NetworkError

from bot.intake.flood import SLOW_DOWN, FloodGuard
from bot.intake.updates import Route
from bot.metrics import Metrics
from content.i18n import _, use_language


class Sender:
    """Records each message sent; `fail` makes sending raise, `hold` makes it wait."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail = fail
        self.hold = asyncio.Event()
        self.hold.set()

    async def send_message(self, chat_id: int, text: str) -> object:
        await self.hold.wait()
        if self.fail:
            raise NetworkError("Telegram is away")
        self.sent.append((chat_id, text))
        return None


def chat(chat_id: int | None, language: str | None = "en") -> Route:
    key = ("chat", chat_id) if chat_id is not None else ("user", 1)
    return Route(key, chat_id, 1, language)


def floods(metrics: Metrics) -> float:
    sample = metrics.registry.get_sample_value(
        "kneecoach_updates_dropped_total", {"reason": "flood"}
    )
    return sample or 0.0


async def settled(guard: FloodGuard) -> None:
    """Until the notices started so far are sent (or given up)."""
    for _step in range(10):
        await asyncio.sleep(0)
    await guard.close()


async def test_a_chat_has_room_up_to_the_limit_and_the_rest_is_counted_as_dropped():
    sender, metrics = Sender(), Metrics()
    guard = FloodGuard(sender, metrics, limit=3)
    assert [guard.admits(chat(5), waiting) for waiting in range(3)] == [True] * 3
    assert not guard.admits(chat(5), 3)
    assert not guard.admits(chat(5), 4)
    assert guard.admits(chat(6), 0)  # another chat's room is its own
    assert floods(metrics) == 2


async def test_one_notice_per_backlog_and_a_new_one_after_it_cleared():
    sender = Sender()
    guard = FloodGuard(sender, Metrics(), limit=1)
    for _update in range(5):
        guard.admits(chat(5), 1)
    await settled(guard)
    assert sender.sent == [(5, SLOW_DOWN)]
    guard.backlog_cleared(("chat", 5))
    guard.admits(chat(5), 1)
    await settled(guard)
    assert sender.sent == [(5, SLOW_DOWN), (5, SLOW_DOWN)]


async def test_the_notice_is_in_the_persons_language():
    sender = Sender()
    guard = FloodGuard(sender, Metrics(), limit=1)
    guard.admits(chat(5, "ru"), 1)
    await settled(guard)
    with use_language("ru"):
        russian = _(SLOW_DOWN)
    assert russian != SLOW_DOWN
    assert sender.sent == [(5, russian)]


async def test_an_update_with_no_chat_is_refused_without_a_notice():
    sender, metrics = Sender(), Metrics()
    guard = FloodGuard(sender, metrics, limit=1)
    assert not guard.admits(chat(None), 1)
    await settled(guard)
    assert sender.sent == [] and floods(metrics) == 1


async def test_a_notice_telegram_refuses_is_logged_and_nothing_else(caplog):
    guard = FloodGuard(Sender(fail=True), Metrics(), limit=1)
    assert not guard.admits(chat(5), 1)
    await settled(guard)
    warnings = [r for r in caplog.records if "could not ask a chat to slow down" in r.message]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


async def test_notices_not_sent_by_the_stop_are_given_up():
    sender = Sender()
    sender.hold.clear()  # Telegram does not answer
    guard = FloodGuard(sender, Metrics(), limit=1)
    guard.admits(chat(5), 1)
    await asyncio.sleep(0)
    await asyncio.wait_for(guard.close(), 30)
    sender.hold.set()
    await asyncio.sleep(0)
    assert sender.sent == []
