"""/language: the person picks the bot's language (English, Русский, Español); the choice is
kept on their row and every later message, reminder and menu speaks it."""

from __future__ import annotations

from content.i18n import LANGUAGES, _, language_name, use_language
from content.states import SETUP_QUESTIONS, Awaiting
from handlers.callbacks import Language
from handlers.common import Button, Keyboard, Turn, turn_handler
from handlers.start import ask_setup_step, keeps_question
from usecases import clinicians

# Each language named in itself, so anyone can find their own on a button; inside a sentence
# a language is named by language_name(), lowercase where the language writes it so.
NAMES = {"en": "English", "ru": "Русский", "es": "Español"}


def language_keyboard(current: str) -> Keyboard:
    """One button per language, the current one ticked."""
    return [
        [
            (f"{'✅ ' if code == current else ''}{NAMES[code]}", Language(code).data())
            for code in LANGUAGES
        ]
    ]


@turn_handler
@keeps_question
async def choose_language(turn: Turn) -> None:
    """/language: the choice as buttons; a pending question stays pending."""
    turn.say(
        _("Which language should I speak? You're using {language} now.").format(
            language=language_name(turn.user.language)
        ),
        language_keyboard(turn.user.language),
    )


async def language_button(turn: Turn, pressed: Language) -> None:
    """Store the chosen language and answer in it, asking an open setup question again."""
    code = pressed.language
    user = turn.user
    user.language = code
    # A clinician's alerts and digest speak it from now on too (not from their next command).
    await clinicians.clinician_of(turn.db, user.id, code)
    with use_language(code):  # the answer already speaks the new language
        turn.toast = NAMES[code]
        turn.edit(_("Language: {language}").format(language=language_name(code)))
        turn.say(
            _("Done: from now on I'll speak {language}. /help lists what I can do.").format(
                language=language_name(code)
            )
        )
        setup_open = not user.onboarded or user.awaiting in {Awaiting(q) for q in SETUP_QUESTIONS}
        if setup_open and not user.on_hold:
            ask_setup_step(turn)  # the open question again, in the new language


BUTTONS = (Button(Language, language_button),)
