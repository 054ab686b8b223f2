from datetime import time

import pytest

from handlers.parsing import Intent, parse_reply, parse_time


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
