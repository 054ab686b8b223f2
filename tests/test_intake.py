"""How updates come in: stored before they are confirmed, handled per chat in order, a chat's
backlog bounded, unreadable or forged updates skipped without stalling anyone."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from unittest import mock

from prometheus_client import generate_latest
from sqlalchemy import func, select
from telegram import Update

from bot.app import SendingLimits
from bot.intake import IntakeConfig
from handlers import menu
from sandbox.emulator import BotApiEmulator
from sandbox.local import running_bot
from storage.models import InboxUpdate, User
from tests.auxil.chat import Chat
from tests.auxil.inbox import records_of_handled
from tests.conftest import ENGINE_CONFIG, TOKEN

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def metric(running, name: str) -> float:
    text = generate_latest(running.bot.metrics.registry).decode()
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def message(update_chat: int, sender: int, text: str = "/help", **extra) -> dict:
    return {
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": update_chat, "type": "private", "first_name": "A"},
            "from": {"id": sender, "is_bot": False, "first_name": "A"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            **extra,
        }
    }


async def count(services, model) -> int:
    async with services.database.transaction() as db:
        return await db.scalar(select(func.count()).select_from(model))


async def test_an_update_ptb_cannot_read_is_skipped_and_polling_goes_on(services, caplog):
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        async with running_bot(services, emulator, engine_config=ENGINE_CONFIG) as running:
            # A field in a shape this PTB does not know (a photo as an object, not a list).
            bad = emulator.push_update(message(5001, 5001, "hi", photo={"file_id": "x"}))
            replies = await Chat(emulator, running.handled, 5002).send("/help")
            assert "Here's what I can do" in replies.text
            await running.handled.wait(bad)
            assert emulator.unconfirmed <= 1  # the poll moved past it
            assert metric(running, 'kneecoach_updates_dropped_total{reason="unreadable"}') == 1
            emulator.release_polls()
    finally:
        await emulator.stop()
    lines = [
        record
        for record in caplog.records
        if f"update {bad} cannot be read" in record.getMessage()
    ]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_chat_backlog_is_bounded_with_one_slow_down_and_kept_in_order(services):
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    limits = SendingLimits(chat_burst=1, chat_per_second=20)
    try:
        async with running_bot(
            services,
            emulator,
            engine_config=ENGINE_CONFIG,
            limits=limits,
            intake=IntakeConfig(chat_queue_limit=5),
        ) as running:
            sent = [emulator.send_message(5001, f"/cmd{number}") for number in range(30)]
            for update_id in sent:
                await running.handled.wait(update_id)
            other = await Chat(emulator, running.handled, 5002).send("/help")
            assert "Here's what I can do" in other.text
            dropped = metric(running, 'kneecoach_updates_dropped_total{reason="flood"}')
            emulator.release_polls()
    finally:
        await emulator.stop()
    texts = [event.text for event in emulator.chat_events(5001)]
    answered = [int(found) for text in texts for found in re.findall(r"/cmd(\d+)", text)]
    slow_down = [text for text in texts if "a lot of messages at once" in text]
    assert len(slow_down) == 1
    assert answered == sorted(answered) and len(answered) == 30 - dropped
    assert 5 <= len(answered) < 30
    assert await count(services, InboxUpdate) == len(answered) + 1  # dropped ones not stored


async def test_an_update_handled_once_is_not_applied_again(harness, ready_chat):
    """Delivered again after its transaction committed (a crash before the inbox recorded
    it): the handler does not run twice."""
    replies = await ready_chat.send("done")
    assert "Logged" in replies.text
    update_id = harness.emulator.last_update_id
    async with harness.services.database.transaction() as db:
        row = await db.get(InboxUpdate, update_id)
        assert row.handled_at is not None and row.payload is None  # nothing of theirs kept
    before = len(harness.emulator.events)
    payload = message(ready_chat.user_id, ready_chat.user_id, "done", entities=[])
    application = harness.application
    await application.process_update(Update.de_json({"update_id": update_id, **payload}, None))
    assert harness.emulator.events[before:] == []


async def test_sender_and_private_chat_that_differ_are_ignored(harness, caplog):
    forged = harness.emulator.push_update(message(7102, 7101))
    await harness.handled.wait(forged)
    assert harness.emulator.chat_events(7101) == harness.emulator.chat_events(7102) == []
    assert await count(harness.services, User) == 0
    assert any("ignored" in record.getMessage() for record in caplog.records)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_updates_stored_before_a_restart_are_handled_first(services):
    """A process stored updates and stopped before handling them: the next one answers
    them, before anything new, in their order."""
    async with services.database.connection() as connection:
        await connection.execute(
            InboxUpdate.__table__.insert(),
            [
                {
                    "update_id": update_id,
                    "payload": json.dumps(
                        {"update_id": update_id, **message(5001, 5001, f"/old{update_id}")}
                    ),
                    "received_at": LONG_AGO,
                    "claimed_by": "a-process-that-died",
                    "claimed_at": LONG_AGO,
                    "attempts": 1,
                }
                for update_id in (901, 902, 903)
            ],
        )
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.accept_unknown_chats = True
    try:
        async with running_bot(services, emulator, engine_config=ENGINE_CONFIG) as running:
            for update_id in (901, 902, 903):
                await running.handled.wait(update_id)
            emulator.release_polls()
    finally:
        await emulator.stop()
    texts = [event.text for event in emulator.chat_events(5001)]
    assert [re.search(r"/old(\d+)", text).group(1) for text in texts] == ["901", "902", "903"]


async def test_an_update_its_turn_handled_is_recorded_handled_once(services):
    """The turn records its update in its own transaction; the intake does not again."""
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        with records_of_handled(services.database) as records:
            async with running_bot(services, emulator, engine_config=ENGINE_CONFIG) as running:
                replies = await Chat(emulator, running.handled, 5001).send("/help")
                assert "Here's what I can do" in replies.text
                emulator.release_polls()
    finally:
        await emulator.stop()
    assert len(records) == 1, records


async def test_updates_no_turn_recorded_are_recorded_handled_by_the_intake(services):
    """A group chat's message (no turn takes it) and one whose turn failed (its record
    rolled back with it): handled all the same, so a restart does not handle them again."""
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    in_a_group = message(5001, 5001, "/help")
    in_a_group["message"]["chat"] = {"id": -1005001, "type": "group", "title": "Knees"}
    try:
        async with running_bot(services, emulator, engine_config=ENGINE_CONFIG) as running:
            group = emulator.push_update(in_a_group)
            await running.handled.wait(group)
            with mock.patch.object(menu, "help_text", side_effect=RuntimeError("broken")):
                replies = await Chat(emulator, running.handled, 5001).send("/help")
            assert "went wrong" in replies.text
            failed = emulator.last_update_id
            emulator.release_polls()
    finally:
        await emulator.stop()
    async with services.database.transaction() as db:
        for update_id in (group, failed):
            row = await db.get(InboxUpdate, update_id)
            assert row is not None and row.handled_at is not None, update_id
