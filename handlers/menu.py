"""/help, unknown commands, and messages that are not text."""

from __future__ import annotations

from content.i18n import N_, _
from handlers.common import Turn, turn_handler
from handlers.start import keeps_question

# One list serves /help and the command menu Telegram shows (setMyCommands, once per
# language); the descriptions are marked here and translated where they are shown.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", N_("today's session, with done and skip buttons")),
    ("progress", N_("your weeks, streak, levels and a pain chart")),
    ("history", N_("your last sessions and pain scores")),
    ("psfs", N_("rate the everyday activities your knee makes hard")),
    ("report", N_("a one-page PDF for your physiotherapist, e.g. /report 12")),
    ("exercises", N_("all seven exercises")),
    ("exercise", N_("how to do one exercise, e.g. /exercise hip bump")),
    ("schedule", N_("your training days, reminder time, morning check and time zone")),
    ("pause", N_("no reminders for a while (holiday, flare-up)")),
    ("resume", N_("reminders back on")),
    ("redflags", N_("warning signs that need a doctor's check")),
    ("export", N_("all your data as a CSV file")),
    ("delete", N_("erase all your data")),
    ("language", N_("English, Русский or Español")),
    ("physio", N_("who sees your progress; write to them or stop sharing")),
    ("invite", N_("for clinicians: the link patients open to share with you")),
    ("patients", N_("for clinicians: the patients who share with you")),
    ("digest", N_("for clinicians: when your weekly digest comes")),
    ("start", N_("set up, or see your settings")),
    ("help", N_("this list")),
)

HINT = N_(
    'You can type "done" after a session, a pain score like "pain 3", or use /today and /help.'
)


def commands() -> list[tuple[str, str]]:
    """The command menu in the current language."""
    return [(name, _(description)) for name, description in COMMANDS]


def help_text() -> str:
    """The command list as /help shows it, with the plain-words hint."""
    lines = [f"/{name}: {description}" for name, description in commands()]
    return (
        _("Here's what I can do:")
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + _(
            'After a session you can also just type "done", and answer pain questions '
            "with a number from 0 to 10."
        )
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
    turn.say(
        _("I don't know the command {command}.").format(command=command) + "\n\n" + help_text()
    )


@turn_handler
async def not_text(turn: Turn) -> None:
    """Stickers, photos, voice notes: say what works instead of staying silent."""
    say_not_text(turn)


def say_not_text(turn: Turn) -> None:
    """What works instead of a sticker, a photo or a voice note."""
    turn.say(_("I can only read text and buttons.") + " " + _(HINT))
