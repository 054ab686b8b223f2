from contextlib import contextmanager
from datetime import time

import pytest

from content.states import PainKind
from content.understanding import Intent, parse_days, parse_reply, parse_time


@pytest.mark.parametrize(
    ("text", "intent", "score", "explicit"),
    [
        ("done", Intent.DONE, None, False),
        ("Did it!", Intent.DONE, None, False),
        ("all done.", Intent.DONE, None, False),
        ("skip", Intent.SKIP, None, False),
        ("Not today", Intent.SKIP, None, False),
        ("later", Intent.LATER, None, False),
        ("pain 3", Intent.PAIN, 3, True),
        ("Pain: 7/10", Intent.PAIN, 7, True),
        ("pain is 4", Intent.PAIN, 4, True),
        ("3", Intent.PAIN, 3, False),
        ("3/10", Intent.PAIN, 3, False),
        ("3 out of 10", Intent.PAIN, 3, False),
        ("0", Intent.PAIN, 0, False),
        ("10", Intent.PAIN, 10, False),
        ("pain 99", Intent.PAIN_OUT_OF_RANGE, None, True),
        ("11", Intent.PAIN_OUT_OF_RANGE, None, False),
        ("-1", Intent.PAIN_OUT_OF_RANGE, None, False),
        ("2.5", Intent.PAIN_OUT_OF_RANGE, None, False),
        ("yes", Intent.YES, None, False),
        ("nope", Intent.NO, None, False),
        ("hello", Intent.UNKNOWN, None, False),
        ("", Intent.UNKNOWN, None, False),
        ("🙂", Intent.UNKNOWN, None, False),
        ("done " * 1000, Intent.UNKNOWN, None, False),
        ("1234", Intent.UNKNOWN, None, False),
    ],
)
def test_parse_reply(text, intent, score, explicit):
    reply = parse_reply(text)
    assert (reply.intent, reply.score) == (intent, score)
    if intent in (Intent.PAIN, Intent.PAIN_OUT_OF_RANGE):
        assert reply.explicit is explicit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("18.00", time(18)),
        ("6pm", time(18)),
        ("6:15 am", time(6, 15)),
        ("19", time(19)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("25:00", None),
        ("13pm", None),
        ("7:60", None),
        ("noon", time(12)),
        ("7:30 pm", time(19, 30)),
        ("midnight", time(0)),
        ("", None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


# -- Russian and Spanish: the words come from content/data/words.toml ------------------------


@pytest.mark.parametrize(
    ("language", "text", "intent", "score", "when"),
    [
        ("ru", "готово", Intent.DONE, None, None),
        ("ru", "Сделал!", Intent.DONE, None, None),
        ("ru", "сделала", Intent.DONE, None, None),
        ("ru", "готово, боль 3", Intent.DONE, 3, None),
        ("ru", "готово и боль 3", Intent.DONE, 3, None),
        ("ru", "готово 3/10", Intent.DONE, 3, None),
        ("ru", "боль 3", Intent.PAIN, 3, None),
        ("ru", "Боль: три", Intent.PAIN, 3, None),
        ("ru", "боль 4 утром", Intent.PAIN, 4, PainKind.NEXT_MORNING),
        ("ru", "утром 2", Intent.PAIN, 2, PainKind.NEXT_MORNING),
        ("ru", "колено 6 сегодня", Intent.PAIN, 6, PainKind.DAY),
        ("ru", "боль 11", Intent.PAIN_OUT_OF_RANGE, None, None),
        ("ru", "пропускаю", Intent.SKIP, None, None),
        ("ru", "не сегодня", Intent.SKIP, None, None),
        ("ru", "позже", Intent.LATER, None, None),
        ("ru", "да", Intent.YES, None, None),
        ("ru", "нет", Intent.NO, None, None),
        ("ru", "болит колено", Intent.KNEE, None, PainKind.DAY),
        ("ru", "ещё", Intent.UNKNOWN, None, None),
        ("es", "hecho", Intent.DONE, None, None),
        ("es", "¡Listo!", Intent.DONE, None, None),
        ("es", "lo hice", Intent.DONE, None, None),
        ("es", "hecho, dolor 3", Intent.DONE, 3, None),
        ("es", "listo y dolor 2", Intent.DONE, 2, None),
        ("es", "dolor 3", Intent.PAIN, 3, None),
        ("es", "Dolor: tres de 10", Intent.PAIN, 3, None),
        ("es", "dolor 2 esta mañana", Intent.PAIN, 2, PainKind.NEXT_MORNING),
        ("es", "dolor 2 esta manana", Intent.PAIN, 2, PainKind.NEXT_MORNING),
        ("es", "dolor 12", Intent.PAIN_OUT_OF_RANGE, None, None),
        ("es", "hoy no", Intent.SKIP, None, None),
        ("es", "más tarde", Intent.LATER, None, None),
        ("es", "Sí", Intent.YES, None, None),
        ("es", "me duele la rodilla", Intent.KNEE, None, PainKind.DAY),
        ("es", "hola", Intent.UNKNOWN, None, None),
        # English is understood whatever the person's language.
        ("ru", "done, pain 3", Intent.DONE, 3, None),
        ("es", "pain 4 this morning", Intent.PAIN, 4, PainKind.NEXT_MORNING),
    ],
)
def test_parse_reply_in_the_persons_language(language, text, intent, score, when):
    reply = parse_reply(text, language)
    assert (reply.intent, reply.score, reply.when) == (intent, score, when)


def test_other_languages_words_are_not_read_in_english():
    assert parse_reply("готово").intent is Intent.UNKNOWN
    assert parse_reply("dolor 3").intent is Intent.UNKNOWN


def test_named_exercises_in_russian_and_spanish():
    did = parse_reply("сделал выпады, боль 2", "ru")
    assert (did.intent, did.did, did.score) == (Intent.DONE, ({"reverse_lunge"},), 2)
    skipped = parse_reply("me salté las sentadillas", "es")
    assert (skipped.intent, skipped.skipped) == (
        Intent.DONE,
        ({"squat_to_surface", "sumo_squat"},),
    )


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ru", "7 вечера", time(19)),
        ("ru", "в 7 утра", time(7)),
        ("ru", "7 часов вечера", time(19)),
        ("ru", "19:00", time(19)),
        ("ru", "в 18.30", time(18, 30)),
        ("ru", "11 ночи", time(23)),
        ("ru", "2 ночи", time(2)),
        ("ru", "2 дня", time(14)),
        ("ru", "полдень", time(12)),
        ("ru", "7pm", time(19)),
        ("ru", "13 вечера", None),
        ("ru", "вечером", None),
        ("es", "7 de la tarde", time(19)),
        ("es", "a las 7 de la mañana", time(7)),
        ("es", "a las 7 de la manana", time(7)),
        ("es", "10 de la noche", time(22)),
        ("es", "19:00", time(19)),
        ("es", "a las 8:30", time(8, 30)),
        ("es", "mediodía", time(12)),
        ("es", "7pm", time(19)),
        ("es", "25 de la tarde", None),
        ("en", "7 in the evening", time(19)),
        ("en", "7 вечера", None),
    ],
)
def test_parse_time_in_the_persons_language(language, text, expected):
    assert parse_time(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ru", "пн, ср, пт", (0, 2, 4)),
        ("ru", "Понедельник, среда и пятница", (0, 2, 4)),
        ("ru", "вт чт сб", (1, 3, 5)),
        ("ru", "пн ср Fri", (0, 2, 4)),
        ("es", "lunes, miércoles y viernes", (0, 2, 4)),
        ("es", "lunes miercoles viernes", (0, 2, 4)),
        ("es", "lun., mié., vie.", (0, 2, 4)),
        ("es", "Sábado y domingo", (5, 6)),
        ("en", "Mon, Wed, Fri", (0, 2, 4)),
        ("en", "Tuesday and Thursday", (1, 3)),
        ("ru", "привет", None),
        ("es", "", None),
    ],
)
def test_parse_days_in_the_persons_language(language, text, expected):
    assert parse_days(text, language) == expected


@contextmanager
def words_file(tmp_path, monkeypatch, text: str):
    """content/understanding/words.py reading text as words.toml, its caches cleared."""
    from content.understanding import words

    broken = tmp_path / "words.toml"
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setattr(words, "WORDS_PATH", broken)
    words.words.cache_clear()
    words.reading.cache_clear()
    try:
        yield words
    finally:
        words.words.cache_clear()
        words.reading.cache_clear()


def test_a_wrong_words_file_names_the_file_list_and_language(tmp_path, monkeypatch):
    with words_file(tmp_path, monkeypatch, '[ru]\ndone = "готово"\n') as words:
        with pytest.raises(words.WordsError, match=r"words\.toml: ru\.done must be a list"):
            words.words("ru")
        with pytest.raises(words.WordsError, match=r"no \[es\] words"):
            words.words("es")


def test_a_wrong_reading_setting_names_the_file_and_setting(tmp_path, monkeypatch):
    with (
        words_file(tmp_path, monkeypatch, "[reading]\nscore_window = -1\n") as words,
        pytest.raises(words.WordsError, match=r"words\.toml: reading\.score_window"),
    ):
        words.reading()
