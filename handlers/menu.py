"""/help, unknown commands, and messages that are not text."""

from __future__ import annotations

from handlers.common import Turn, turn_handler
from handlers.start import keeps_question

# One list serves /help and the command menu Telegram shows (setMyCommands).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", "today's session, with done and skip buttons"),
    ("progress", "your weeks, streak, levels and a pain chart"),
    ("history", "your last sessions and pain scores"),
    ("report", "a one-page PDF for your physiotherapist, e.g. /report 12"),
    ("exercises", "all seven exercises"),
    ("exercise", "how to do one exercise, e.g. /exercise hip bump"),
    ("schedule", "your training days, reminder time, morning check and time zone"),
    ("pause", "no reminders for a while (holiday, flare-up)"),
    ("resume", "reminders back on"),
    ("redflags", "warning signs that need a doctor's check"),
    ("export", "all your data as a CSV file"),
    ("delete", "erase all your data"),
    ("start", "set up, or see your settings"),
    ("help", "this list"),
)

HINT = 'You can type "done" after a session, a pain score like "pain 3", or use /today and /help.'


def help_text() -> str:
    """The command list as /help shows it, with the plain-words hint."""
    lines = [f"/{name}: {description}" for name, description in COMMANDS]
    return (
        "Here's what I can do:\n\n"
        + "\n".join(lines)
        + '\n\nAfter a session you can also just type "done", and answer pain questions '
        "with a number from 0 to 10."
    )


@turn_handler
@keeps_question
async def show_help(turn: Turn) -> None:
    """/help: every command and what it does."""
    turn.say(help_text())


@turn_handler
async def unknown_command(turn: Turn) -> None:
    """An unknown command: say so, then the /help text."""
    message = turn.update.effective_message
    command = (message.text or "").split(maxsplit=1)[0][:32] if message else "/"
    turn.say(f"I don't know the command {command}.\n\n{help_text()}")


@turn_handler
async def not_text(turn: Turn) -> None:
    """Stickers, photos, voice notes: say what works instead of staying silent."""
    turn.say(f"I can only read text and buttons. {HINT}")
