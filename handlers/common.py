"""Shared plumbing for handlers: one database transaction per update, replies sent after
commit, and one validated router for every inline button."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot

from content.catalogue import Catalogue
from content.i18n import _, supported, use_language
from content.understanding.matcher import ExerciseMatcher
from handlers.callbacks import MAX_CALLBACK_BYTES, SEPARATOR, Callback
from handlers.services import BotData, Services
from scheduler.calendar import local_now
from scheduler.outgoing import Keyboard, inline_keyboard, send_text
from usecases.clinicians import notice_due_now
from usecases.messages import WRITING
from usecases.people import Sender, User, open_turn

log = logging.getLogger(__name__)


class KneeContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """PTB's context with typed bot_data, so handlers reach the services without casts."""

    @property
    def services(self) -> Services:
        """The services the handlers share; RuntimeError if the application has none."""
        return self.bot_data.services


@dataclass(frozen=True)
class Attachment:
    """A file to send with a caption; see the fields for when it is made, reused or left out."""

    kind: Literal["photo", "document", "animation"]
    filename: str
    # Makes the file after the update's transaction has ended, off the event loop; it gets
    # plain data, never the database session. None: there is no file after all, and the
    # caption is sent as a message of its own.
    make: Callable[[], Awaitable[bytes | None]]
    # A file Telegram already holds for this bot: sent by this id, nothing is made or uploaded
    # (unless Telegram refuses the id).
    file_id: str | None = None
    # Told the file_id Telegram gives a new upload, to send it by id next time.
    uploaded: Callable[[str], Awaitable[None]] | None = None
    # The caption stands without the file: if Telegram refuses the upload, send the text alone.
    optional: bool = False


@dataclass
class _Outgoing:
    text: str
    buttons: InlineKeyboardMarkup | None
    reply_keyboard: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    edit: bool = False
    attachment: Attachment | None = None


@dataclass
class Turn:
    """One update being handled: the user's row, its database transaction, and the replies to
    send once that transaction has committed."""

    update: Update
    context: KneeContext
    db: AsyncSession
    user: User
    now: datetime
    handler: str  # for logs and the latency histogram; a button names its own handler
    toast: str | None = None
    # The pending setup question was asked in this turn already: it is asked once.
    asked_setup: bool = False
    _outbox: list[_Outgoing] = field(default_factory=list)

    @property
    def services(self) -> Services:
        """The services the handlers share."""
        return self.context.services

    @property
    def catalogue(self) -> Catalogue:
        """The exercises, safety texts and barrier tips in the person's language."""
        return self.services.catalogue_in(self.user.language)

    @property
    def matcher(self) -> ExerciseMatcher:
        """Exercise names as the person types them, in their language or in English."""
        return self.services.matcher_in(self.user.language)

    @property
    def local_now(self) -> datetime:
        """The update's time on the user's wall clock."""
        return local_now(self.now, self.user.timezone)

    @property
    def today(self) -> date:
        """The user's local date now: the "today" of sessions and buttons."""
        return self.local_now.date()

    def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        """Queue a new message, with inline buttons if given; sent after the commit."""
        self._outbox.append(_Outgoing(text, inline_keyboard(keyboard)))

    def ask_location(self, text: str) -> None:
        """A message with a button under the text field that shares the user's location."""
        button = KeyboardButton(_("📍 Share my location"), request_location=True)
        markup = ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        self._outbox.append(_Outgoing(text, None, markup))

    def say_and_clear_keyboard(self, text: str) -> None:
        """A message that also takes away the location button, once it is not needed."""
        self._outbox.append(_Outgoing(text, None, ReplyKeyboardRemove()))

    def send_file(self, attachment: Attachment, caption: str) -> None:
        """A photo, document or animation with a caption (at most 1,024 characters), made
        after commit off the event loop, or sent by file_id when Telegram already has it."""
        self._outbox.append(_Outgoing(caption, None, attachment=attachment))

    def edit(self, text: str, keyboard: Keyboard | None = None) -> None:
        """Replace the message whose button was pressed (a new message if there is none)."""
        self._outbox.append(_Outgoing(text, inline_keyboard(keyboard), edit=True))

    async def flush(self) -> None:
        """Send the queued replies; call only after the transaction committed. The pressed
        button is answered (with the toast) and its message edited before new messages go out."""
        query = self.update.callback_query
        if query is not None:
            await query.answer(self.toast)
        bot = self.context.bot
        # The pressed message is updated first, so the chat reads in order.
        for item in sorted(self._outbox, key=lambda item: not item.edit):
            if item.attachment is not None:
                await _send_file(bot, self.user.chat_id, item.attachment, item.text)
            elif item.edit and query is not None and query.message is not None:
                try:
                    await query.edit_message_text(item.text, reply_markup=item.buttons)
                except BadRequest as error:
                    if "not modified" in str(error).lower():
                        continue
                    # The message is gone or too old to edit (or never was: a forged
                    # button): the answer comes as a new message instead.
                    log.info("could not edit the pressed message (%s): sending anew", error)
                    await send_text(bot, self.user.chat_id, item.text, item.buttons)
            else:
                await send_text(
                    bot, self.user.chat_id, item.text, item.reply_keyboard or item.buttons
                )


async def _send_file(
    bot: ExtBot[None], chat_id: int, attachment: Attachment, caption: str
) -> None:
    if attachment.file_id is not None:
        try:
            await _send_media(bot, chat_id, attachment.kind, attachment.file_id, caption)
            return
        except BadRequest as error:
            log.warning("Telegram refused the file_id of %s: %s", attachment.filename, error)
    data = await attachment.make()
    if data is None:
        await send_text(bot, chat_id, caption)
        return
    upload = InputFile(data, filename=attachment.filename)
    try:
        message = await _send_media(bot, chat_id, attachment.kind, upload, caption)
    except BadRequest as error:
        if not attachment.optional:
            raise
        log.warning("Telegram refused %s (%s); sending the text alone", attachment.filename, error)
        await send_text(bot, chat_id, caption)
        return
    new_id = _file_id(message, attachment.kind)
    if attachment.uploaded is not None and new_id is not None:
        try:
            await attachment.uploaded(new_id)
        except Exception as error:  # the person has the file; it only uploads again next time
            log.warning("could not store the file_id of %s: %r", attachment.filename, error)


async def _send_media(
    bot: ExtBot[None], chat_id: int, kind: str, media: InputFile | str, caption: str
) -> Message:
    if kind == "photo":
        return await bot.send_photo(chat_id, media, caption=caption)
    if kind == "animation":
        return await bot.send_animation(chat_id, media, caption=caption)
    return await bot.send_document(chat_id, media, caption=caption)


def _file_id(message: Message, kind: str) -> str | None:
    if kind == "photo":
        return message.photo[-1].file_id if message.photo else None
    found = message.animation if kind == "animation" else message.document
    return found.file_id if found is not None else None


TurnHandler = Callable[[Turn], Awaitable[None]]
UpdateHandler = Callable[[Update, KneeContext], Coroutine[Any, Any, None]]


# Times an update's transaction is tried when the database connection drops under it.
TURN_ATTEMPTS = 3


def turn_handler(handler: TurnHandler) -> UpdateHandler:
    """Run handler inside one database transaction; send its replies only after commit.

    The transaction also records the update as handled in the inbox (usecases.people.open_turn),
    the one record of it: an update delivered again after a crash is not applied twice. That
    also makes it safe to run the transaction again when
    the connection drops under it (a database restart, a killed backend): nothing was sent
    yet, and if the commit did go through, the second run finds the update handled."""

    async def run(update: Update, context: KneeContext) -> None:
        sender, chat = update.effective_user, update.effective_chat
        if sender is None or chat is None or chat.type != "private":
            return  # channel posts, group chats: Knee Coach is a one-to-one coach
        services = context.services
        observer = services.observer
        if chat.id != sender.id:  # Telegram never sends this; rows are keyed by the sender
            log.warning(
                "update %s ignored: sent by %s into the private chat of %s",
                update.update_id,
                observer.user_ref(sender.id),
                observer.user_ref(chat.id),
            )
            return
        started = time.perf_counter()
        with observer.context(update=update.update_id, user=observer.user_ref(sender.id)):
            for attempt in range(1, TURN_ATTEMPTS + 1):
                try:
                    turn = await _apply(update, context, handler)
                    break
                except DBAPIError as error:
                    if not error.connection_invalidated or attempt == TURN_ATTEMPTS:
                        raise
                    log.warning("database connection lost (%s); trying again", error.orig)
            if turn is None:
                log.info("update %s was handled before a restart: not again", update.update_id)
                return
            with use_language(turn.user.language):
                await turn.flush()
            if services.wake_notices is not None and notice_due_now(turn.db):
                services.wake_notices()
        observer.handled(turn.handler, time.perf_counter() - started)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


async def _apply(update: Update, context: KneeContext, handler: TurnHandler) -> Turn | None:
    """The handler's transaction, committed; None if the update was handled before."""
    sender, chat = update.effective_user, update.effective_chat
    assert sender is not None and chat is not None
    services = context.services
    now = services.clock.now()
    who = Sender(sender.id, chat.id, sender.first_name or "", supported(sender.language_code))
    async with services.database.transaction() as db:
        if services.before_turn is not None:
            await services.before_turn(db, update.update_id, chat.id)
        user = await open_turn(db, update.update_id, who, services.catalogue.program, now)
        if user is None:
            return None
        if user.awaiting == WRITING and _is_command(update):
            user.awaiting = None  # a command ends a message to the physio: what follows is
            # read as usual, not relayed
        turn = Turn(update, context, db, user, now, handler.__name__)
        with services.observer.context(handler=turn.handler), use_language(user.language):
            await handler(turn)
    return turn


def _is_command(update: Update) -> bool:
    message = update.effective_message
    return message is not None and (message.text or "").startswith("/")


# -- inline buttons ---------------------------------------------------------------------------

C = TypeVar("C", bound=Callback)


@dataclass(frozen=True)
class Button(Generic[C]):
    """A kind of inline button and its handler, which gets the button's values, parsed."""

    kind: type[C]
    handler: Callable[[Turn, C], Awaitable[None]]

    @property
    def action(self) -> str:
        """The action its callback data starts with."""
        return self.kind.ACTION


@dataclass(frozen=True)
class Tap:
    """A button that carries nothing but its name ("today", "keep", "cleared")."""

    action: str
    handler: Callable[[Turn], Awaitable[None]]


# A button pressed: its handler's name (for logs and metrics) and the call that handles it.
Pressed = tuple[str, Callable[["Turn"], Awaitable[None]]]


class ButtonRouter:
    """Every button's data is read by its kind's codec; anything else (not text, longer than
    Telegram allows, no button of ours could carry it) is refused politely. Two buttons with
    one action are a wiring mistake, reported at start-up rather than one silently replacing
    the other."""

    def __init__(self, buttons: Iterable[Button[Any] | Tap]) -> None:
        self._routes: dict[str, Button[Any] | Tap] = {}
        for button in buttons:
            if button.action in self._routes:
                raise ValueError(f"two handlers for the button action {button.action!r}")
            self._routes[button.action] = button

    def route(self, data: object) -> Pressed | None:
        """The handler's name and its call for this callback data, or None for anything not
        ours."""
        if not isinstance(data, str) or len(data.encode(errors="replace")) > MAX_CALLBACK_BYTES:
            return None
        button = self._routes.get(data.split(SEPARATOR, 1)[0])
        if isinstance(button, Tap):
            return (button.handler.__name__, button.handler) if data == button.action else None
        value = button.kind.parse(data) if button is not None else None
        if button is None or value is None:
            return None
        return button.handler.__name__, partial(_pressed, button, value)

    def handler(self) -> UpdateHandler:
        """The one PTB callback for every callback query."""

        @turn_handler
        async def dispatch_button(turn: Turn) -> None:
            query = turn.update.callback_query
            data = query.data if query is not None else None
            pressed = self.route(data)
            if pressed is None:
                log.warning("refused callback data %r", str(data)[:MAX_CALLBACK_BYTES])
                turn.toast = _("That button has expired. Send /today for a fresh one.")
                return
            name, call = pressed
            turn.handler = f"button_{name}"
            with turn.services.observer.context(handler=turn.handler):
                await call(turn)

        return dispatch_button


async def _pressed(button: Button[C], value: C, turn: Turn) -> None:
    await button.handler(turn, value)
