"""The Telegram front door: one module per conversation area parses an update, calls one use
case and renders the outcome in the person's words (gettext). Each module says what it serves
(COMMANDS, BUTTONS); register() wires them up, explicitly and in one place. May import the use
cases, scheduler (the words of pushes), media and content; never storage (import-linter)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import (
    checkins,
    clinic,
    digest,
    exercises,
    history,
    knee,
    language,
    menu,
    messages,
    mydata,
    psfs,
    replies,
    report,
    safety,
    schedule,
    sharing,
    start,
    today,
)
from handlers.common import ButtonRouter, UpdateHandler

COMMANDS: dict[str, UpdateHandler] = {
    "start": sharing.start,
    "today": today.today,
    "progress": history.progress,
    "history": history.history,
    "report": report.report,
    "exercises": exercises.list_exercises,
    "exercise": exercises.exercise,
    "help": menu.show_help,
    "schedule": schedule.change_schedule,
    "pause": schedule.pause,
    "resume": schedule.resume,
    "redflags": safety.red_flags,
    "export": mydata.export,
    "delete": mydata.delete,
    "language": language.choose_language,
    "psfs": psfs.start_round,
    "physio": sharing.physio,
    "invite": clinic.invite,
    "patients": clinic.patients,
    "digest": digest.digest,
}
BUTTON_MODULES = (
    checkins,
    clinic,
    exercises,
    knee,
    language,
    messages,
    mydata,
    psfs,
    safety,
    schedule,
    sharing,
    start,
    today,
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Every command, button and message handler; a duplicate button action fails here."""
    router = ButtonRouter(button for module in BUTTON_MODULES for button in module.BUTTONS)
    new_messages = filters.UpdateType.MESSAGE
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=new_messages))
    application.add_handler(CallbackQueryHandler(router.handler()))
    application.add_handler(MessageHandler(new_messages & filters.COMMAND, menu.unknown_command))
    application.add_handler(MessageHandler(new_messages & filters.TEXT, replies.free_text))
    application.add_handler(MessageHandler(new_messages & filters.LOCATION, start.location))
    application.add_handler(MessageHandler(new_messages & filters.PHOTO, messages.photo))
    application.add_handler(MessageHandler(new_messages, menu.not_text))
