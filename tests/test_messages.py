"""Issue 24, messages both ways: a patient writes to their clinician ("Message my physio", or
/physio <text>, a photo too), the clinician answers by replying to the relayed copy, and the
patient can answer the same way; each is named, in the reader's language, the text as typed.
Nothing reaches anyone but the other side of a live care link; the messages are in /export
and go with /delete; their text is never logged. Through the emulator, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime

from sqlalchemy import func, select

from content.i18n import _, use_language
from sandbox.emulator import Event, Fault
from storage import clinicians as store
from storage.models import CareMessage, CareNotice
from tests.auxil.chat import Chat
from tests.test_alerts import linked_patient, stored
from tests.test_clinicians import (
    ANA,
    BEN,
    PATIENT,
    add_clinician,
    clinician_chat,
    invite_code,
    without_wake,
)
from usecases.messages import TEXT_MAX

HINT = "↩️ Reply to this message to answer."


async def delivered(harness, chat_id: int, before: int) -> list[Event]:
    """The messages and photos a chat got since `before` events, once the engine sent what is
    due."""
    await harness.engine.tick()
    return [
        event
        for event in harness.emulator.events[before:]
        if event.chat_id == chat_id and event.method in ("sendMessage", "sendPhoto")
    ]


async def write(harness, pat: Chat, text: str) -> Event:
    """Pat taps "Message my physio" on /physio and types text; what Ana gets."""
    physio = await pat.send("/physio")
    asked = await pat.press("Message my physio", physio.with_buttons())
    assert "Write your message for Ana Ruiz" in asked.text
    before = len(harness.emulator.events)
    sent = await pat.send(text)
    assert sent.text == "✅ Sent to Ana Ruiz."
    [copy] = await delivered(harness, ANA, before)
    return copy


async def unread(harness, clinician_id: int = 1) -> dict[int, int]:
    async with harness.services.database.transaction() as db:
        return await store.unread_counts(db, clinician_id)


async def test_a_message_and_its_reply_are_relayed_named_both_ways(harness):
    ana, pat = await linked_patient(harness)
    copy = await write(harness, pat, "My knee swelled after the stairs.\nShould I rest?")
    assert copy.text == f"💬 Pat: My knee swelled after the stairs.\nShould I rest?\n\n{HINT}"
    assert [label for row in copy.buttons for label, _data in row] == ["📄 Open summary"]
    assert await unread(harness) == {PATIENT: 1}

    before = len(harness.emulator.events)
    answered = await ana.send("Ice it, and rest today.", reply_to=copy)
    assert answered.text == "✅ Sent to Pat."
    [reply] = await delivered(harness, PATIENT, before)
    assert reply.text == f"💬 Ana Ruiz: Ice it, and rest today.\n\n{HINT}"
    assert reply.buttons == []
    assert await unread(harness) == {}  # answered

    before = len(harness.emulator.events)
    again = await pat.send("Thanks, it's better now", reply_to=reply)  # no pain score read
    assert again.text == "✅ Sent to Ana Ruiz."
    [second] = await delivered(harness, ANA, before)
    assert second.text.startswith("💬 Pat: Thanks, it's better now")
    assert await unread(harness) == {PATIENT: 1}
    rows = await stored(harness, CareMessage)
    assert [(row.from_patient, row.relayed_message_id) for row in rows] == [
        (True, copy.message_id),
        (False, reply.message_id),
        (True, second.message_id),
    ]
    assert all(row.user_id == PATIENT and row.relayed_at is not None for row in rows)
    notices = [n for n in await stored(harness, CareNotice) if n.kind == "message"]
    assert {(n.status, n.patient_name) for n in notices} == {("sent", "")}  # name not kept


async def test_photos_are_relayed_with_their_captions(harness):
    ana, pat = await linked_patient(harness)
    physio = await pat.send("/physio")
    await pat.press("Message my physio", physio.with_buttons())
    before = len(harness.emulator.events)
    sent = await pat.send_photo("The swelling this morning")
    assert sent.text == "✅ Sent to Ana Ruiz."
    [photo] = await delivered(harness, ANA, before)
    assert photo.method == "sendPhoto" and photo.file_id == "userphoto-1"
    assert photo.text == f"💬 Pat: The swelling this morning\n\n{HINT}"

    before = len(harness.emulator.events)
    assert (await ana.send_photo(reply_to=photo)).text == "✅ Sent to Pat."
    [back] = await delivered(harness, PATIENT, before)
    assert back.method == "sendPhoto" and back.file_id == "userphoto-2"
    assert back.text == f"💬 Ana Ruiz sent a photo.\n\n{HINT}"
    # A photo nobody waits for is not relayed: the bot says what it reads.
    before = len(harness.emulator.events)
    other = await pat.send_photo("my dog")
    assert "I can only read text and buttons" in other.text
    assert await delivered(harness, ANA, before) == []
    assert len(await stored(harness, CareMessage)) == 2


async def test_physio_with_text_sends_it_and_too_long_or_unshared_sends_nothing(harness):
    _ana, pat = await linked_patient(harness)
    before = len(harness.emulator.events)
    sent = await pat.send("/physio Can we move Friday's visit?\nThanks!")
    assert sent.text == "✅ Sent to Ana Ruiz."
    [copy] = await delivered(harness, ANA, before)
    assert copy.text.startswith("💬 Pat: Can we move Friday's visit?\nThanks!\n\n")

    long = "a" * (TEXT_MAX + 1)
    refused = await pat.send(f"/physio {long}")
    assert f"longer than I can pass on ({TEXT_MAX + 1} characters; at most {TEXT_MAX})" in (
        refused.text
    )
    emoji = "👍" * (TEXT_MAX // 2 + 1)  # Telegram counts each as two
    assert f"({TEXT_MAX + 2} characters" in (await pat.send(f"/physio {emoji}")).text
    # After the button, a message too long keeps the request open: the next one goes.
    physio = await pat.send("/physio")
    await pat.press("Message my physio", physio.with_buttons())
    assert "longer than I can pass on" in (await pat.send(long)).text
    assert (await pat.send("Short, then.")).text == "✅ Sent to Ana Ruiz."
    assert [row.text for row in await stored(harness, CareMessage)] == [
        "Can we move Friday's visit?\nThanks!",
        "Short, then.",
    ]

    asked = await pat.press("Message my physio", physio.with_buttons())
    cancelled = await pat.press("Cancel", asked.with_buttons())
    assert "No message, then" in cancelled.text
    assert "didn't catch" in (await pat.send("hello there")).text  # not relayed
    # A command in between ends the message too: "done" after /today logs the session.
    await pat.press("Message my physio", physio.with_buttons())
    await pat.send("/today")
    assert "Logged" in (await pat.send("done")).text

    loner = harness.chat(8301, "Lou")
    await loner.onboard()
    alone = await loner.send("/physio are you there?")
    assert "you share it with nobody now" in alone.text and "invite link" in alone.text
    assert len(await stored(harness, CareMessage)) == 2


async def test_a_reply_to_anything_else_relays_nothing(harness):
    ana, pat = await linked_patient(harness)
    started = [e for e in harness.emulator.events if e.chat_id == ANA and "now shares" in e.text]
    before = len(harness.emulator.events)
    refused = await ana.send("Welcome aboard!", reply_to=started[-1])
    assert "I can only pass on a reply to a patient's message" in refused.text
    # A patient's reply to one of the bot's own messages is read as usual.
    today = await pat.send("/today")
    done = await pat.send("done", reply_to=today.last)
    assert "Sent to" not in done.text and "pain" in done.text.lower()
    await harness.engine.tick()
    assert not [e for e in harness.emulator.events[before:] if e.text.startswith("💬")]
    assert await stored(harness, CareMessage) == []


async def test_after_sharing_stops_nothing_is_relayed_either_way(harness):
    ana, pat = await linked_patient(harness)
    copy = await write(harness, pat, "First question")
    before = len(harness.emulator.events)
    await ana.send("An answer", reply_to=copy)
    [reply] = await delivered(harness, PATIENT, before)
    # Pat writes again and stops sharing before the message goes (the turn's wake off, as if
    # the engine were busy): the message is not sent after all.
    without_wake(harness)
    await pat.send("/physio one more thing")
    physio = await pat.send("/physio")
    await pat.press("Stop sharing", physio.with_buttons())
    before = len(harness.emulator.events)
    told = await delivered(harness, ANA, before)
    assert [event.text for event in told] == [
        "Pat stopped sharing their Knee Coach progress with you; you no longer see it."
    ]
    refused = await ana.send("Are you still there?", reply_to=copy)
    assert refused.text == (
        "This patient no longer shares their progress with you: nothing was sent."
    )
    back = await pat.send("Sorry, one more", reply_to=reply)
    assert back.text == "You no longer share your progress with Ana Ruiz: nothing was sent."
    old = await pat.press("Message my physio", physio.with_buttons())
    assert old.toast == "You don't share with them any more."
    assert not [e for e in harness.emulator.events[before:] if e.text.startswith("💬")]
    assert [row.text for row in await stored(harness, CareMessage)] == [
        "First question",
        "An answer",
        "one more thing",  # kept for Pat's /export, never relayed
    ]
    [cancelled] = [n for n in await stored(harness, CareNotice) if n.status == "cancelled"]
    assert cancelled.patient_name == ""
    assert await unread(harness) == {}


async def test_another_clinician_reaches_nothing(harness):
    ana, pat = await linked_patient(harness)
    ben = await clinician_chat(harness, BEN, "Ben Ode")
    copy = await write(harness, pat, "For Ana only")
    before = len(harness.emulator.events)
    forged = await ben.send("I read it too", reply_to=copy)  # Ana's message id, Ben's chat
    assert "I can only pass on a reply to a patient's message" in forged.text
    assert await delivered(harness, PATIENT, before) == []
    async with harness.services.database.transaction() as db:
        assert await store.unread_counts(db, 2) == {}

    # Pat moves to Ben: Ana's old conversation is closed, the new messages go to Ben.
    offer = await pat.send(f"/start p_{await invite_code(ben)}")
    await pat.tap("share:", offer.with_buttons())
    before = len(harness.emulator.events)
    refused = await ana.send("Still with me?", reply_to=copy)
    assert "no longer shares" in refused.text
    assert (await pat.send("/physio Hello Ben")).text == "✅ Sent to Ben Ode."
    [to_ben] = [e for e in await delivered(harness, BEN, before) if e.text.startswith("💬")]
    assert to_ben.text.startswith("💬 Pat: Hello Ben")
    assert not [e for e in harness.emulator.events[before:] if e.chat_id == ANA and "💬" in e.text]
    assert await unread(harness, 1) == {}
    assert await unread(harness, 2) == {PATIENT: 1}


async def test_export_lists_the_messages_and_delete_erases_them(harness):
    ana, pat = await linked_patient(harness)
    copy = await write(harness, pat, "Is swimming fine?")
    await ana.send("Yes, gently.", reply_to=copy)
    await harness.engine.tick()
    replies = await pat.send("/export")
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    rows = list(csv.DictReader(io.StringIO(document.document.decode("utf-8"))))
    messages = [row for row in rows if row["record"] == "message"]
    assert [(row["value"], row["code"]) for row in messages] == [
        ("Is swimming fine?", "direction=to_clinician"),
        ("Yes, gently.", "direction=from_clinician"),
    ]
    assert messages[0]["detail"].startswith("from you to Ana Ruiz; delivered 2026-11-25T10:")
    assert messages[1]["detail"].startswith("from Ana Ruiz to you; delivered")
    assert datetime.fromisoformat(messages[0]["time"]).utcoffset().total_seconds() == 3600

    question = await pat.send("/delete")
    await pat.press("Yes, delete everything", question.last)
    async with harness.services.database.transaction() as db:
        left = await db.scalar(select(func.count()).select_from(CareMessage))
        notices = await db.scalar(
            select(func.count()).select_from(CareNotice).where(CareNotice.message_id.is_not(None))
        )
    assert (left, notices) == (0, 0)


async def test_no_message_text_or_name_is_logged(harness, caplog):
    caplog.set_level(logging.INFO)
    ana, pat = await linked_patient(harness)
    copy = await write(harness, pat, "Secret-knee-words")
    harness.emulator.faults = [Fault(status=403, method="sendMessage", chat_id=PATIENT)]
    await ana.send("Secret-answer", reply_to=copy)  # Pat blocked the bot: not delivered
    before = len(harness.emulator.events)
    assert await delivered(harness, PATIENT, before) == []
    harness.emulator.faults = []
    await pat.send_photo("Secret-caption")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not delivered" in logged  # the failure is logged, without what it said
    for secret in ("Secret-knee-words", "Secret-answer", "Secret-caption", "Pat", "Ana Ruiz"):
        assert secret not in logged


async def test_each_side_reads_the_frame_in_their_own_language(harness):
    harness.emulator.language_codes.update({ANA: "es", PATIENT: "ru"})
    ana = harness.chat(ANA, "Ana")
    await ana.send(f"/start clin_{await add_clinician(harness)}")
    code = await invite_code_in_any_language(ana)
    pat = harness.chat(PATIENT, "Pat")
    offer = await pat.send(f"/start p_{code}")
    await pat.tap("share:", offer.with_buttons())
    await harness.engine.tick()  # "Pat now shares" goes out
    physio = await pat.send("/physio")
    await pat.tap("msgphysio:", physio.with_buttons())
    before = len(harness.emulator.events)
    with use_language("ru"):
        assert (await pat.send("Колено болит")).text == _("✅ Sent to {name}.").format(
            name="Ana Ruiz"
        )
    [copy] = await delivered(harness, ANA, before)
    with use_language("es"):
        assert copy.text == framed("Pat", "Колено болит")
        assert copy.buttons[0][0][0] == _("📄 Open summary")
    before = len(harness.emulator.events)
    await ana.send("Descansa hoy", reply_to=copy)
    [reply] = await delivered(harness, PATIENT, before)
    with use_language("ru"):
        assert reply.text == framed("Ana Ruiz", "Descansa hoy")
    assert "Reply to this message" not in copy.text + reply.text  # both translated


async def invite_code_in_any_language(chat: Chat) -> str:
    replies = await chat.send("/invite")
    return replies.text.split("start=p_", 1)[1].split()[0]


def framed(name: str, text: str) -> str:
    """A relayed message as it reads in the current language."""
    said = _("💬 {name}: {text}").format(name=name, text=text)
    return said + "\n\n" + _("↩️ Reply to this message to answer.")


async def test_a_message_telegram_refuses_is_reported_to_its_sender(harness):
    """Ana blocked the bot: Pat's message cannot reach her, and Pat is told so instead of
    believing it arrived; the other way round likewise."""
    ana, pat = await linked_patient(harness)
    copy = await write(harness, pat, "First question")
    harness.emulator.faults = [Fault(status=403, method="sendMessage", chat_id=ANA)]
    before = len(harness.emulator.events)  # the report may come right after the reply
    assert (await pat.send("/physio Still there?")).text == "✅ Sent to Ana Ruiz."
    [told] = [e for e in await delivered(harness, PATIENT, before) if "⚠️" in e.text]
    assert told.text.startswith("⚠️ Your last message to Ana Ruiz could not be delivered")
    harness.emulator.faults = [Fault(status=403, method="sendMessage", chat_id=PATIENT)]
    before = len(harness.emulator.events)
    assert (await ana.send("Yes, here.", reply_to=copy)).text == "✅ Sent to Pat."
    [back] = [e for e in await delivered(harness, ANA, before) if "⚠️" in e.text]
    assert back.text.startswith("⚠️ Your last message to Pat could not be delivered")
