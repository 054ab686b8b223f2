"""Issue 22: the phrasings people sent that were misread, each read by the understanding engine
as the person meant it (the conversations they drive are in tests/test_plain_replies.py)."""

from __future__ import annotations

import re
from datetime import time

import pytest

from content.catalogue import load_catalogue
from content.i18n import _, use_language
from content.states import PainKind
from content.understanding import Intent, parse_reply, parse_time
from handlers.replies import WHICH

SQUATS = frozenset({"squat_to_surface", "sumo_squat"})


@pytest.mark.parametrize(
    ("language", "text", "did"),
    [
        ("ru", "сделал приседания, боль 2", (SQUATS,)),
        ("ru", "сделала приседания, боль 2", (SQUATS,)),
        ("ru", "сделал приседание на стул, боль 2", (frozenset({"squat_to_surface"}),)),
        ("es", "hice las sentadillas, dolor 2", (SQUATS,)),
        ("en", "did hip bump and squats, pain 2", (frozenset({"hip_bump"}), SQUATS)),
    ],
)
def test_named_exercises_are_exactly_those_with_the_pain_score(language, text, did):
    reply = parse_reply(text, language)
    assert (reply.intent, reply.did, reply.skipped, reply.score) == (Intent.DONE, did, (), 2)
    assert not reply.unnamed


# The knee complaints without a number (their conversation: test_plain_replies.py).
KNEE_WORDS = [
    ("en", "my knee hurts a bit today"),
    ("en", "knee still hurts"),
    ("ru", "колено сегодня ноет"),
    ("es", "me duele un poco la rodilla hoy"),
]


@pytest.mark.parametrize(("language", "text"), KNEE_WORDS)
def test_knee_words_without_a_number_ask_for_the_days_score(language, text):
    reply = parse_reply(text, language)
    assert (reply.intent, reply.score) == (Intent.KNEE, None)


def test_not_today_with_a_sore_knee_skips_and_tells_of_the_knee():
    reply = parse_reply("not today, knee still hurts")
    assert (reply.intent, reply.knee, reply.score) == (Intent.SKIP, True, None)


@pytest.mark.parametrize(
    ("language", "text", "score", "when"),
    [
        ("en", "my knee is sore, 5", 5, None),
        ("en", "knee pain today 5", 5, PainKind.DAY),
        ("ru", "у меня болит колено, 6", 6, None),
    ],
)
def test_a_knee_with_a_number_is_a_score(language, text, score, when):
    reply = parse_reply(text, language)
    assert (reply.intent, reply.score, reply.when, reply.explicit) == (
        Intent.PAIN,
        score,
        when,
        True,
    )


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "sorry, pain was 3 not 4"),
        ("en", "I meant 3"),
        ("ru", "не 4, а 3"),
        ("es", "quise decir 3"),
    ],
)
def test_a_correction_names_the_right_score(language, text):
    reply = parse_reply(text, language)
    assert (reply.intent, reply.score, reply.correction) == (Intent.PAIN, 3, True)


def test_a_pain_number_in_a_long_message_is_found():
    week = (
        "Quick update about my week. On Monday I walked to the shops and back, about 20 "
        "minutes each way, and did the exercises in the evening after dinner. Tuesday was busy "
        "at work, 9 hours at the desk, so nothing much. "
    ) * 18
    text = (
        week + "Overall the pain was about 3 most days, a bit better than last week, I would say."
    )
    assert 3800 < len(text) <= 4096
    reply = parse_reply(text)
    assert (reply.intent, reply.score, reply.explicit) == (Intent.PAIN, 3, True)


@pytest.mark.parametrize(("text", "score"), [("pain ١٠", 10), ("pain ５", 5)])
def test_other_digits_are_read(text, score):
    assert (parse_reply(text).intent, parse_reply(text).score) == (Intent.PAIN, score)


@pytest.mark.parametrize("text", ["pain -0", "-3", "pain -3", "-0"])
def test_a_minus_sign_is_out_of_range_not_a_score(text):
    reply = parse_reply(text)
    assert (reply.intent, reply.score) == (Intent.PAIN_OUT_OF_RANGE, None)


def test_half_past_in_spanish():
    assert parse_time("a las 8 y media", "es") == time(8, 30)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "my knee gave way"),
        ("en", "knee buckled on the stairs"),
        ("en", "my knee gave out"),
        ("ru", "колено подкосилось"),
        ("ru", "у меня подвернулось колено"),
        ("es", "se me dobló la rodilla"),
        ("es", "me falló la rodilla"),
    ],
)
def test_the_knee_gave_way(language, text):
    assert parse_reply(text, language).intent is Intent.GAVE_WAY


def test_a_session_that_names_no_exercise_says_so():
    reply = parse_reply("did my stretches")
    assert (reply.intent, reply.did, reply.unnamed) == (Intent.DONE, (), True)


@pytest.mark.parametrize("language", ["en", "ru", "es"])
def test_the_example_the_which_question_gives_is_understood(language):
    """ "Which exercises did you do? … Write, for example, "did hip bump"": that example, with
    any exercise's name in the person's language, reads as that exercise done."""
    with use_language(language):
        question = _(WHICH)
    example = re.search(r"[«\"]([^»\"]*\{example\}[^»\"]*)[»\"]", question)
    assert example is not None, question
    for exercise in load_catalogue(language=language).exercises:
        typed = example.group(1).format(example=exercise.name.lower())
        reply = parse_reply(typed, language)
        assert reply.intent is Intent.DONE, typed
        assert [exercise.slug in mention for mention in reply.did] == [True], (typed, reply.did)


def test_the_forms_table_is_current():
    """content/data/forms/ru.txt is what pymorphy3 makes of today's Russian words (run
    `python -m content.understanding` after editing them)."""
    pytest.importorskip("pymorphy3")
    from content.understanding.__main__ import main

    assert main(["--check"]) == 0
