"""What a push says, as the engine receives it from the conversation layer: the engine decides
which push is due and with which facts; the words and buttons are rendered above it and
injected by the composition root."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from content.program import PlannedExercise
from content.states import Awaiting
from storage.holds import HoldView
from storage.models import User
from storage.training import EasedBack

Button = tuple[str, str]  # (label, callback_data)
Keyboard = list[list[Button]]

# send_text goes through do_api_request on purpose (it says why).
warnings.filterwarnings("ignore", message="Please use 'Bot.sendMessage'", category=PTBUserWarning)


async def send_text(
    bot: ExtBot[Any],
    chat_id: int,
    text: str,
    keyboard: Keyboard | None,
    rate_limit_args: str | None = None,
) -> None:
    """A message with inline buttons or none, as one raw sendMessage call: Bot.send_message
    builds PTB objects for the keyboard and reads Telegram's answer into a Message nobody
    looks at, a third of the CPU per push (bench/reminders.py: 593 → 874 pushes/s on
    SQLite, 449 → 644 on PostgreSQL). Telegram's errors come as from Bot.send_message."""
    call: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if keyboard:
        call["reply_markup"] = {
            "inline_keyboard": [
                [{"text": label, "callback_data": data} for label, data in row] for row in keyboard
            ]
        }
    await bot.do_api_request("sendMessage", api_kwargs=call, rate_limit_args=rate_limit_args)


@dataclass(frozen=True)
class Outgoing:
    """One rendered push: the text, its inline buttons, and what a typed answer would answer."""

    text: str
    keyboard: Keyboard
    awaiting: Awaiting | None = None  # the question this push asks, for typed answers


class PushRenderer(Protocol):
    """Words and buttons of each kind of push, in the person's language."""

    def reminder(
        self,
        user: User,
        day: date,
        plan: list[PlannedExercise],
        *,
        missed_yesterday: bool,
        snoozed: bool,
        gentle: bool = False,
        returned: EasedBack | None = None,
    ) -> Outgoing:
        """The training-day reminder with the day's plan. `snoozed`: it comes back after a
        snooze; `gentle`: sore days in a row, so suggest an easier session; `missed_yesterday`:
        acknowledge the missed day; `returned`: back after a break, the levels eased back."""
        ...

    def morning(self, user: User, session_day: date, *, late: bool = False) -> Outgoing:
        """The morning question: how the knee feels the day after the session of `session_day`
        (`late`: it is past the morning where they are, so it does not say "this morning")."""
        ...

    def followup(self, user: User, hold: HoldView, day: date) -> Outgoing:
        """A few days into a hold: could they see someone, with the ways out open on `day`."""
        ...

    def nudge(self, user: User, missed_day: date) -> Outgoing:
        """The one gentle nudge the day after the training day `missed_day` went unlogged."""
        ...

    def weekly(
        self,
        user: User,
        week_start: date,
        done: int,
        planned: int,
        day_scores: dict[date, int] | None = None,
        *,
        review: HoldView | None = None,
    ) -> Outgoing:
        """day_scores: the week's day scores. review: the review hold the check-in started
        because the mornings stay above the acceptable band."""
        ...
