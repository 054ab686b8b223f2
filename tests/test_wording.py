"""Issue 22, item 5: Russian and Spanish read the way those languages are written. Language
names are lowercase inside a sentence, a line that opens with a weekday starts with a capital
and names the day in full, a time zone is named by its city in the person's language, and the
weekly check-in's tip fits a week that was only a session short. Played through the emulator,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from content.i18n import day_name, short_day, use_language
from tests.auxil.chat import Chat

MONDAY = date(2026, 12, 7)


async def onboard_in(harness, language: str, place: str = "Berlin", user_id: int = 7101) -> Chat:
    """/start to the end in language (Telegram's language_code), default training days."""
    chat = harness.chat(user_id, "Alex")
    harness.emulator.language_codes[chat.user_id] = language
    await chat.send("/start")
    await chat.tap("disclaimer")
    await chat.tap("redflag:none")
    await chat.send(place)
    await chat.tap("savedays:")
    await chat.send("18:00")
    await chat.send("08:00")
    return chat


@pytest.mark.parametrize(
    ("language", "opening", "inside"),
    [
        ("en", "Monday 7 December", "Monday 7 December"),
        ("ru", "Понедельник, 7 декабря", "понедельник, 7 декабря"),
        ("es", "Lunes, 7 de diciembre", "lunes, 7 de diciembre"),
    ],
)
def test_a_weekday_is_written_in_full_and_capitalised_where_a_line_opens(
    language, opening, inside
):
    with use_language(language):
        assert day_name(MONDAY, opening=True) == opening
        assert day_name(MONDAY) == inside
        assert short_day(MONDAY, opening=True)[0].isupper()


@pytest.mark.parametrize(
    ("language", "headline", "history"),
    [
        ("en", "📋 Wednesday 25 November: training day.", "Wed 25 Nov: ✅"),
        ("ru", "📋 Среда, 25 ноября: день тренировки.", "Ср, 25 нояб.: ✅"),
        ("es", "📋 Miércoles, 25 de noviembre: día de entrenamiento.", "Mié, 25 nov: ✅"),
    ],
)
async def test_lines_led_by_a_weekday_start_with_a_capital(harness, language, headline, history):
    chat = await onboard_in(harness, language)
    today = await chat.send("/today")
    assert today.messages[0].text.splitlines()[0] == headline
    await chat.tap("done:")
    lines = (await chat.send("/history")).text.splitlines()
    assert lines[1].startswith(history), lines


@pytest.mark.parametrize(
    ("language", "said", "label", "name"),
    [
        ("en", "from now on I'll speak English.", "Language: English", "English"),
        ("ru", "теперь язык общения: русский.", "Язык: русский", "Русский"),
        ("es", "a partir de ahora te hablaré en español.", "Idioma: español", "Español"),
    ],
)
async def test_a_language_is_named_in_lowercase_inside_a_sentence(
    harness, ready_chat, language, said, label, name
):
    await ready_chat.send("/language")
    chosen = await ready_chat.tap(f"lang:{language}")
    assert said in chosen.text and label in chosen.text
    asked = await ready_chat.send("/language")
    assert said.split()[-1].rstrip(".") in asked.text  # "you're using русский now"
    assert name in str(asked.last.buttons)  # the buttons name each language in itself


@pytest.mark.parametrize(
    ("language", "place", "confirmed", "schedule"),
    [
        ("en", "Moscow", "Got it: Moscow (it's", "at 18:00 (Moscow)"),
        ("ru", "Москва", "Принято: Москва (сейчас там", "в 18:00 (Москва)"),
        ("es", "Moscú", "Entendido: Moscú (hora actual allí:", "a las 18:00 (Moscú)"),
    ],
)
async def test_a_time_zone_is_named_by_its_city_in_the_persons_language(
    harness, language, place, confirmed, schedule
):
    chat = harness.chat(7102, "Alex")
    harness.emulator.language_codes[chat.user_id] = language
    await chat.send("/start")
    await chat.tap("disclaimer")
    await chat.tap("redflag:none")
    zone = await chat.send(place)
    assert confirmed in zone.text and "Europe/Moscow" not in zone.text
    await chat.tap("savedays:")
    await chat.send("18:00")
    done = await chat.send("08:00")
    assert schedule in done.text and "Europe/Moscow" not in done.text


@pytest.mark.parametrize(
    ("language", "missed_week"),
    [("en", "missed week"), ("ru", "пропущенная неделя"), ("es", "semana perdida")],
)
async def test_the_weekly_tip_fits_a_week_one_session_short(harness, language, missed_week):
    chat = await onboard_in(harness, language)
    for day in range(10):  # Wed 25 Nov to Fri 4 Dec: Mon 30 and Wed 2 done, Fri 4 not
        harness.clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC) + timedelta(days=day))
        if harness.clock.now().date() in (date(2026, 11, 30), date(2026, 12, 2)):
            await chat.send({"en": "done", "ru": "готово", "es": "hecho"}[language])
        await harness.engine.tick()
    [check_in] = [
        event
        for event in harness.emulator.events
        if any(data.startswith("barrier:2026-11-30:") for row in event.buttons for _, data in row)
    ]
    assert "2" in check_in.text and "3" in check_in.text  # two of three
    tip = await chat.tap("barrier:2026-11-30:other", check_in)
    catalogue = harness.services.catalogue_in(language)
    assert catalogue.barriers["other"].tip in tip.text
    assert missed_week not in tip.text.lower()
