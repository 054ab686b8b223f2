"""Property-based tests (Hypothesis): whatever text, callback data or webhook body arrives, the
parsers, the button router and the update validation never raise, and nothing one person
sends changes another person's rows."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.intake.updates import NotAnUpdate, route_of, update_id_of
from content.i18n import LANGUAGES
from content.understanding import MAX_PAIN, Intent, parse_reply, parse_time
from handlers import BUTTON_MODULES
from handlers.callbacks import MAX_CALLBACK_BYTES
from handlers.common import ButtonRouter
from storage import people
from storage.models import SessionExercise, SessionLog, User

ROUTER = ButtonRouter(button for module in BUTTON_MODULES for button in module.BUTTONS)
ACTIONS = sorted({button.action for module in BUTTON_MODULES for button in module.BUTTONS})

# Text that looks like what the bot understands, mixed with anything at all.
WORDS = st.sampled_from(
    [
        *("done", "skip", "later", "pain", "yes", "no", "/", ":", "/10", "-", ".", "10", "3"),
        *("am", "готово", "боль", "утром", "вечера", "из 10", "hecho", "dolor", "de la tarde"),
    ]
)
TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(WORDS, st.text(max_size=4)), max_size=6).map(" ".join),
)
# Callback data shaped like the bot's own, and anything a forged client could put there.
CALLBACK_TEXT = st.one_of(
    st.text(max_size=70),
    st.sampled_from(ACTIONS),
    st.tuples(st.sampled_from(ACTIONS), st.text(max_size=20)).map(":".join),
    st.tuples(
        st.sampled_from(ACTIONS), st.integers(-(10**15), 10**15).map(str), st.text(max_size=5)
    ).map(":".join),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)
CALLBACK_DATA = st.one_of(CALLBACK_TEXT, JSON)
ANY_SETTINGS = settings(max_examples=300, deadline=None)


@ANY_SETTINGS
@given(TEXT)
def test_reply_parser_never_raises_and_scores_are_in_range(text):
    for language in LANGUAGES:
        reply = parse_reply(text, language)
        assert isinstance(reply.intent, Intent)
        if reply.intent is Intent.PAIN:
            assert reply.score is not None and 0 <= reply.score <= MAX_PAIN
        elif reply.intent in (Intent.DONE, Intent.SKIP, Intent.GAVE_WAY):
            # "done 3/10" carries the session's pain, "skip today, knee 7" the day's
            assert reply.score is None or 0 <= reply.score <= MAX_PAIN
        else:
            assert reply.score is None
        moment = parse_time(text, language)
        assert moment is None or (0 <= moment.hour <= 23 and 0 <= moment.minute <= 59)


@ANY_SETTINGS
@given(CALLBACK_DATA)
def test_button_router_never_raises_and_only_routes_its_own_shapes(data):
    routed = ROUTER.route(data)
    if routed is not None:
        assert isinstance(data, str) and len(data.encode()) <= MAX_CALLBACK_BYTES
        assert data.isascii() and data.split(":", 1)[0] in ACTIONS
        name, call = routed
        assert isinstance(name, str) and callable(call)


@ANY_SETTINGS
@given(st.one_of(JSON, st.dictionaries(st.just("update_id"), JSON).map(lambda d: {**d})))
def test_update_validation_accepts_only_integer_update_ids(data):
    try:
        update_id = update_id_of(data)
    except NotAnUpdate:
        return
    assert isinstance(data, dict) and type(data["update_id"]) is int and update_id >= 0
    route_of(update_id, data)  # reading the chat from the raw JSON never raises either


@ANY_SETTINGS
@given(st.binary(max_size=200) | JSON.map(lambda value: json.dumps(value).encode()))
def test_webhook_bodies_are_json_updates_or_refused(body):
    with contextlib.suppress(ValueError, RecursionError):  # what the webhook answers 400 to
        update_id_of(json.loads(body))


async def rows(services, user_id: int) -> list[tuple[str, Any]]:
    """Every row of one person, as plain values."""
    found = []
    async with services.database.transaction() as db:
        for table in people.USER_TABLES:
            query = select(table)
            if table is SessionExercise:
                query = query.join(SessionLog).where(SessionLog.user_id == user_id)
            else:
                query = query.where((table.id if table is User else table.user_id) == user_id)
            columns = table.__table__.columns.keys()
            stored = await db.scalars(query.order_by(*table.__table__.primary_key.columns))
            name = table.__tablename__
            found += [(name, tuple(getattr(row, column) for column in columns)) for row in stored]
    return found


PEOPLE_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PEOPLE_SETTINGS
@given(texts=st.lists(TEXT.filter(str.strip), min_size=1, max_size=3), data=CALLBACK_DATA)
async def test_nothing_mallory_sends_touches_alex_or_breaks_the_bot(harness, caplog, texts, data):
    alex, mallory = harness.chat(7001, "Alex"), harness.chat(7002, "Mallory")
    if not harness.handled.ids:  # the first example: both set up, Alex with a session
        await alex.onboard()
        await mallory.onboard()
        await alex.send("done")
        await alex.send("3")
    before = await rows(harness.services, alex.user_id)
    caplog.clear()
    for text in texts:
        replies = await mallory.send(text)
        assert "went wrong" not in replies.text, text
    update_id = harness.emulator.push_update(
        {
            "callback_query": {
                "id": "q",
                "from": {"id": mallory.user_id, "is_bot": False, "first_name": "Mallory"},
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": 1_790_000_000,
                    "chat": {"id": mallory.user_id, "type": "private"},
                    "text": "(old message)",
                },
            }
        }
    )
    await harness.handled.wait(update_id)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert await rows(harness.services, alex.user_id) == before
