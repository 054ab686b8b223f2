"""What a push says, as the engine receives it from the conversation layer (the engine decides
which push is due and with which facts; the words and buttons are rendered above it and
injected by the composition root), and how every text message goes out, push or reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.ext import ExtBot

from content.adherence import WeekTally
from content.alerts import Notice, Relayed
from content.program import PlannedExercise
from content.states import Awaiting
from storage.holds import HoldView
from storage.models import Clinician, User
from storage.training import EasedBack

Button = tuple[str, str]  # (label, callback_data)
Keyboard = list[list[Button]]
# What goes with a message: inline buttons, or a keyboard under the text field (or its removal).
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def inline_keyboard(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    """The buttons as Telegram takes them, for a new message or an edit; None for none."""
    if not keyboard:
        return None
    return _inline_markup(tuple(tuple(row) for row in keyboard))


@lru_cache(maxsize=1024)
def _inline_markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    """Built once per distinct keyboard: a fan-out sends the same buttons to everyone due that
    day, and PTB's objects are immutable, so one can go with every message."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def send_text(
    bot: ExtBot[Any],
    chat_id: int,
    text: str,
    markup: Markup | None = None,
    rate_limit_args: str | None = None,
) -> Message:
    """The one way a text message goes out, for replies and pushes alike: Bot.send_message,
    through the bot's rate limiter (`rate_limit_args` as TelegramRateLimiter reads them).
    The message sent, as Telegram numbers it (a reply to it names that number)."""
    return await bot.send_message(
        chat_id, text, reply_markup=markup, rate_limit_args=rate_limit_args
    )


@dataclass(frozen=True)
class Outgoing:
    """One rendered push: the text, its inline buttons, and what a typed answer would answer."""

    text: str
    keyboard: Keyboard
    awaiting: Awaiting | None = None  # the question this push asks, for typed answers

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        """The buttons, ready to send."""
        return inline_keyboard(self.keyboard)


@dataclass(frozen=True)
class TrainingDay:
    """What a training-day reminder says about its day."""

    day: date
    plan: list[PlannedExercise]
    missed_yesterday: bool = False  # acknowledge the missed day
    snoozed: bool = False  # it comes back after a snooze (and offers no second one)
    gentle: bool = False  # sore days in a row: suggest an easier session
    returned: EasedBack | None = None  # back after a break: the levels eased back


class PushRenderer(Protocol):
    """Words and buttons of each kind of push, in the person's language."""

    def reminder(self, user: User, training: TrainingDay) -> Outgoing:
        """The training-day reminder with the day's plan and what came before it."""
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

    async def digest(
        self, db: AsyncSession, clinician: Clinician, now: datetime
    ) -> Outgoing | None:
        """The clinician's weekly digest, gathered through the use cases' access check and
        worded in the language set; None when nobody shares with them."""
        ...

    def care_notice(self, notice: Notice, clinician_name: str) -> Outgoing:
        """A care notice in the language set: to a clinician about a patient (sharing, an
        alert, with buttons to open them), or to a patient about their clinician's action."""
        ...

    def care_message(self, notice: Notice, clinician_name: str, relayed: Relayed) -> Outgoing:
        """A message relayed between a patient and their clinician, in the recipient's
        language: the sender named, the words as typed (a photo's caption), how to answer."""
        ...

    def weekly(
        self,
        user: User,
        tally: WeekTally,
        day_scores: dict[date, int] | None = None,
        *,
        review: HoldView | None = None,
        ask_activities: bool = False,
    ) -> Outgoing:
        """day_scores: the week's day scores. review: the review hold the check-in started
        because the mornings stay above the acceptable band. ask_activities: a round of the
        functional scale is due."""
        ...
