"""Shared plumbing for handlers: one database session per update, replies sent after commit,
and one validated router for every inline button."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot

from bot import store
from bot.logs import log_context, user_ref
from bot.metrics import Metrics
from bot.models import User
from bot.services import Services
from scheduler.calendar import local_now

log = logging.getLogger(__name__)

Button = tuple[str, str]  # (label, callback_data)
Keyboard = list[list[Button]]


class KneeContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        return self.bot_data["services"]


@dataclass(frozen=True)
class Attachment:
    kind: Literal["photo", "document"]
    filename: str
    # Makes the file after the update's transaction has ended, off the event loop; it gets
    # plain data, never the database session.
    make: Callable[[], Awaitable[bytes]]


@dataclass
class _Outgoing:
    text: str
    keyboard: Keyboard | None
    reply_markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    edit: bool = False
    attachment: Attachment | None = None


@dataclass
class Turn:
    """One update being handled: the user's row, a database session, and the replies to send."""

    update: Update
    context: KneeContext
    session: AsyncSession
    user: User
    now: datetime
    handler: str  # for logs and the latency histogram; a button names its own handler
    toast: str | None = None
    _outbox: list[_Outgoing] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def local_now(self) -> datetime:
        return local_now(self.now, self.user.timezone)

    @property
    def today(self) -> date:
        return self.local_now.date()

    def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        self._outbox.append(_Outgoing(text, keyboard))

    def ask_location(self, text: str) -> None:
        """A message with a button under the text field that shares the user's location."""
        button = KeyboardButton("📍 Share my location", request_location=True)
        markup = ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        self._outbox.append(_Outgoing(text, None, markup))

    def say_and_clear_keyboard(self, text: str) -> None:
        """A message that also takes away the location button, once it is not needed."""
        self._outbox.append(_Outgoing(text, None, ReplyKeyboardRemove()))

    def send_file(self, attachment: Attachment, caption: str) -> None:
        """A photo or document with a caption, made after commit off the event loop."""
        self._outbox.append(_Outgoing(caption, None, attachment=attachment))

    def edit(self, text: str, keyboard: Keyboard | None = None) -> None:
        """Replace the message whose button was pressed (a new message if there is none)."""
        self._outbox.append(_Outgoing(text, keyboard, edit=True))

    async def flush(self) -> None:
        query = self.update.callback_query
        if query is not None:
            await query.answer(self.toast)
        bot = self.context.bot
        # The pressed message is updated first, so the chat reads in order.
        for item in sorted(self._outbox, key=lambda item: not item.edit):
            markup = _markup(item.keyboard) or item.reply_markup
            if item.attachment is not None:
                await _send_file(bot, self.user.chat_id, item.attachment, item.text)
            elif item.edit and query is not None and query.message is not None:
                try:
                    await query.edit_message_text(item.text, reply_markup=markup)
                except BadRequest as error:
                    if "not modified" not in str(error).lower():
                        raise
            else:
                await bot.send_message(self.user.chat_id, item.text, reply_markup=markup)


async def _send_file(
    bot: ExtBot[None], chat_id: int, attachment: Attachment, caption: str
) -> None:
    data = await attachment.make()
    upload = InputFile(data, filename=attachment.filename)
    if attachment.kind == "photo":
        await bot.send_photo(chat_id, upload, caption=caption)
    else:
        await bot.send_document(chat_id, upload, caption=caption)


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


TurnHandler = Callable[[Turn], Awaitable[None]]


def turn_handler(handler: TurnHandler) -> Callable[[Update, KneeContext], Awaitable[None]]:
    """Run handler inside one database transaction; send its replies only after commit."""

    async def run(update: Update, context: KneeContext) -> None:
        sender, chat = update.effective_user, update.effective_chat
        if sender is None or chat is None or chat.type != "private":
            return  # channel posts, group chats: Knee Coach is a one-to-one coach
        started = time.perf_counter()
        with log_context(update=update.update_id, user=user_ref(sender.id)):
            services = context.services
            now = services.clock.now()
            async with services.sessions() as session, session.begin():
                user = await store.get_or_create_user(
                    session,
                    sender.id,
                    chat.id,
                    sender.first_name or "",
                    services.catalogue.program,
                    now,
                )
                turn = Turn(update, context, session, user, now, handler.__name__)
                with log_context(handler=turn.handler):
                    await handler(turn)
            await turn.flush()
        metrics: Metrics = context.bot_data["metrics"]
        metrics.handler_seconds.labels(turn.handler).observe(time.perf_counter() - started)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


# -- inline buttons ---------------------------------------------------------------------------

CallbackHandler = Callable[[Turn, tuple[str, ...]], Awaitable[None]]


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    handler: CallbackHandler


_routes: dict[str, _Route] = {}


def on_button(action: str, args: str = "") -> Callable[[CallbackHandler], CallbackHandler]:
    """Register a handler for callback data 'action', or 'action:<args>' when args (a regex
    whose groups are passed on) is given. Anything not matching exactly is refused politely."""
    pattern = re.compile(rf"{re.escape(action)}:{args}" if args else re.escape(action))

    def register(handler: CallbackHandler) -> CallbackHandler:
        _routes[action] = _Route(pattern, handler)
        return handler

    return register


@turn_handler
async def dispatch_button(turn: Turn) -> None:
    query = turn.update.callback_query
    data = (query.data if query else None) or ""
    route = _routes.get(data.split(":", 1)[0])
    match = route.pattern.fullmatch(data) if route else None
    if route is None or match is None:
        log.warning("refused callback data %r", data[:64])
        turn.toast = "That button has expired. Send /today for a fresh one."
        return
    turn.handler = f"button_{route.handler.__name__}"
    with log_context(handler=turn.handler):
        await route.handler(turn, match.groups())


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
