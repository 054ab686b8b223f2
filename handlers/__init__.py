"""Telegram handlers, one module per conversation area; register() wires them up."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import (
    exercises,
    menu,
    mydata,
    progress,
    replies,
    safety,
    schedule,
    start,
    today,
)
from handlers.common import dispatch_button


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    new_messages = filters.UpdateType.MESSAGE
    commands = {
        "start": start.start,
        "today": today.today,
        "progress": progress.progress,
        "history": progress.history,
        "exercises": exercises.list_exercises,
        "exercise": exercises.exercise,
        "help": menu.show_help,
        "schedule": schedule.change_schedule,
        "pause": schedule.pause,
        "resume": schedule.resume,
        "redflags": safety.red_flags,
        "export": mydata.export,
        "delete": mydata.delete,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new_messages))
    application.add_handler(CallbackQueryHandler(dispatch_button))
    application.add_handler(MessageHandler(new_messages & filters.COMMAND, menu.unknown_command))
    application.add_handler(MessageHandler(new_messages & filters.TEXT, replies.free_text))
    application.add_handler(MessageHandler(new_messages & filters.LOCATION, start.location))
    application.add_handler(MessageHandler(new_messages, menu.not_text))
