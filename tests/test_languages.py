"""The whole conversation, from /start to /progress, in English, Russian and Spanish through
the real bot and the emulator, on SQLite and PostgreSQL: the language comes from Telegram's
language_code at first contact (or /language), replies are typed in that language, and the
Russian and Spanish chats contain no English sentence.

Until translators have filled content/locale/{ru,es}, the gettext messages are still English;
the conversation test then checks that every English phrase in those chats is a message the
code hands to gettext (so a translation will replace it), and the no-English test skips
itself, turning on by itself once the language's .po file is complete."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import time

import pytest
from sqlalchemy import select

from content.i18n import po_path
from storage.models import PainCheckin, SessionLog, User
from tests.auxil.chat import Chat, Replies
from tests.auxil.translations import incomplete
from tests.test_i18n import messages_in_code

ALLOWED = ("Knee Coach",)  # the bot's name stays English in every language
WORD = r"[A-Za-z]+(?:['’][A-Za-z]+)*"
# Four or more English words in a row: a sentence, not a name or a unit.
ENGLISH_RUN = re.compile(rf"(?<![\w/.@-]){WORD}(?:[ \t]+{WORD}){{3,}}(?![\w/])")
NOT_WORDS = re.compile(r"/\w+|\b\w+(?:/\w+)+|https?://\S+")
# Words that are English and not Spanish: a run of Latin-script words is English when it has
# two of them (Spanish is written in the same letters).
ENGLISH_ONLY = frozenset(
    re.findall(
        r"\S+",
        """the you your yours to is are was were be been and of for with that this it it's its
        i i'm i'll i've my me at on in by from have has had will would can could should what
        when how which who why if or not don't didn't isn't there here all any some one more
        please tap send done today session sessions week weeks pain knee knees level levels
        exercise exercises morning day days time reminder reminders good great well keep""",
    )
)


@dataclass(frozen=True)
class Script:
    """What a person types in their language, and what the bot must make of it."""

    language_code: str  # as Telegram sends it
    language: str  # as stored
    place: str
    days: str | None  # typed weekday names; None: tap Save on the default days
    reminder: str
    morning: str
    done: str
    pain: str
    zone: str
    weekdays: tuple[int, ...] = (0, 2, 4)  # Wednesday among them: the test's today trains
    reminder_time: time = time(19)
    morning_time: time = time(8)


SCRIPTS = {
    "en": Script("en-GB", "en", "Berlin", None, "7pm", "08:00", "done", "pain 3", "Europe/Berlin"),
    "ru": Script(
        "ru",
        "ru",
        "Москва",
        "Пн, ср и чт",
        "7 вечера",
        "8 утра",
        "готово",
        "боль 3",
        "Europe/Moscow",
        weekdays=(0, 2, 3),
    ),
    "es": Script(
        "es-ES",
        "es",
        "Madrid",
        "lunes, miercoles y sábado",
        "7 de la tarde",
        "8 de la mañana",
        "hecho",
        "dolor 3",
        "Europe/Madrid",
        weekdays=(0, 2, 5),
    ),
}


@dataclass
class Transcript:
    """Everything the person saw: message texts (new and edited), button labels, toasts."""

    texts: list[str] = field(default_factory=list)

    def add(self, replies: Replies) -> Replies:
        for event in replies.events:
            self.texts.append(event.text)
            self.texts += [label for row in event.buttons for label, _data in row]
        if replies.toast:
            self.texts.append(replies.toast)
        return replies


def english_runs(text: str) -> list[str]:
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    runs = [match.group() for match in ENGLISH_RUN.finditer(NOT_WORDS.sub(" ", text))]
    return [run for run in runs if sum(w.lower() in ENGLISH_ONLY for w in run.split()) >= 2]


def untranslated(language: str) -> list[str]:
    """The .po file's messages with no translation or a fuzzy one."""
    return [key for _problem, key in incomplete(language)]


async def the_user(harness, user_id: int) -> User:
    async with harness.services.database.transaction() as db:
        return (await db.scalars(select(User).where(User.id == user_id))).one()


async def play(harness, chat: Chat, script: Script, *, switch_to: str | None = None) -> Transcript:
    """Onboarding, a session logged by typing, its pain and effort, /history, /exercises,
    /help and /progress, all in script's language (typed words included)."""
    seen = Transcript()
    harness.emulator.language_codes[chat.user_id] = script.language_code
    seen.add(await chat.send("/start"))
    if switch_to is not None:
        await chat.send("/language")
        seen = Transcript()  # what came before the switch was rightly in the old language
        seen.add(await chat.tap(f"lang:{switch_to}"))
    seen.add(await chat.tap("disclaimer"))
    seen.add(await chat.tap("redflag:none"))
    zone = seen.add(await chat.send(script.place))
    assert zone.last.text and (await the_user(harness, chat.user_id)).timezone == script.zone
    if script.days is None:
        seen.add(await chat.tap("savedays:"))
    else:
        seen.add(await chat.send(script.days))
    seen.add(await chat.send(script.reminder))
    seen.add(await chat.send(script.morning))
    user = await the_user(harness, chat.user_id)
    assert user.onboarded, seen.texts[-3:]
    assert (user.weekdays, user.reminder_time, user.morning_time) == (
        script.weekdays,
        script.reminder_time,
        script.morning_time,
    )
    seen.add(await chat.send("/today"))  # Wednesday: a training day
    seen.add(await chat.send(script.done))
    seen.add(await chat.send(script.pain))
    seen.add(await chat.tap("effort:"))
    seen.add(await chat.send("/history"))
    seen.add(await chat.send("/exercises"))
    seen.add(await chat.send("/help"))
    progress = seen.add(await chat.send("/progress"))
    assert [event for event in progress.events if event.method == "sendPhoto"], progress.events
    async with harness.services.database.transaction() as db:
        logged = list(await db.scalars(select(SessionLog)))
        pain = list(await db.scalars(select(PainCheckin)))
    assert [log.status for log in logged] == ["done"]
    assert [(row.kind, row.score) for row in pain] == [("during", 3)]
    return seen


@pytest.mark.parametrize("language", ["en", "ru", "es"])
async def test_the_whole_conversation_in_each_language(harness, language):
    script = SCRIPTS[language]
    chat = harness.chat(7001, "Alex")
    seen = await play(harness, chat, script)
    user = await the_user(harness, chat.user_id)
    assert user.language == language  # from Telegram's language_code at first contact
    catalogue = harness.services.catalogue_in(language)
    everything = "\n".join(seen.texts)
    # The exercises (names, doses, safety texts) speak the language already.
    assert all(exercise.name in everything for exercise in catalogue.exercises)
    assert catalogue.safety.disclaimer in everything
    if language != "en":
        english = harness.services.catalogue
        assert not any(exercise.name in everything for exercise in english.exercises)
        # Any English left is a gettext message waiting for its translation, never a
        # sentence written around gettext.
        messages = [" ".join(message.split()) for message in messages_in_code()]
        stray = [
            run
            for text in seen.texts
            for run in english_runs(text)
            if not any(run in message for message in messages)
        ]
        assert not stray, stray


async def test_language_switches_with_the_language_command(harness):
    chat = harness.chat(7002, "Alex")
    # Telegram says English; the person picks Russian right after /start and types Russian.
    script = replace(SCRIPTS["ru"], language_code="en")
    seen = await play(harness, chat, script, switch_to="ru")
    user = await the_user(harness, chat.user_id)
    assert user.language == "ru"
    russian = harness.services.catalogue_in("ru")
    assert all(exercise.name in "\n".join(seen.texts) for exercise in russian.exercises)
    # Back to English: the keyboard marks the current language, and the next list is English.
    choose = await chat.send("/language")
    assert "✅ Русский" in str(choose.last.buttons)
    await chat.tap("lang:en")
    listed = await chat.send("/exercises")
    assert harness.services.catalogue.exercises[0].name in listed.text
    assert (await the_user(harness, chat.user_id)).language == "en"


async def test_the_command_menu_in_each_language(harness):
    await harness.chat().send("/help")  # the bot is past its start-up requests
    menus = harness.emulator.commands
    assert set(menus) == {"", "ru", "es"}
    names = [item["command"] for item in menus[""]]
    assert "language" in names
    assert all([item["command"] for item in menus[code]] == names for code in ("ru", "es"))


@pytest.mark.parametrize("language", ["ru", "es", "switch"])
async def test_no_english_sentence_in_the_russian_or_spanish_chat(harness, language):
    target = "ru" if language == "switch" else language
    missing = untranslated(target)
    if missing:
        pytest.skip(f"{po_path(target)}: {len(missing)} messages not translated yet")
    script = SCRIPTS[target]
    if language == "switch":
        script = replace(script, language_code="en")
    chat = harness.chat(7003, "Alex")
    harness.emulator.language_codes[chat.user_id] = script.language_code
    await chat.send("/help")  # the bot is past its start-up requests (the menus)
    seen = await play(harness, chat, script, switch_to=target if language == "switch" else None)
    menu = [item["description"] for item in harness.emulator.commands[target]]
    found = [run for text in [*seen.texts, *menu] for run in english_runs(text)]
    assert not found, found


def test_the_english_detector():
    assert english_runs("Tap one for instructions.") == ["Tap one for instructions"]
    assert english_runs("Готово: Knee Coach помнит. /today и /help, Europe/Moscow") == []
    assert english_runs("Sentadilla sumo: 8–12 repeticiones, 3×/semana") == []
    assert english_runs("Hip bump (Wall)") == []  # a name, not a sentence
    assert english_runs("Pide que te revisen la rodilla si el dolor es intenso") == []
    assert english_runs("¿Qué tal la rodilla esta mañana, de 0 a 10?") == []
    assert english_runs("Колено: How is your knee this morning") == [
        "How is your knee this morning"
    ]
