"""Every bad input gets a clear reply, nothing is lost and the bot keeps serving."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from storage.models import PainCheckin, SessionLog, User


async def count(services, model) -> int:
    async with services.database.transaction() as db:
        return await db.scalar(select(func.count()).select_from(model))


async def test_rubbish_text_gets_a_hint(ready_chat):
    for text in ("🙂🙂🙂", "x" * 5000, "asdf qwer", "   ", "\u200b"):
        replies = await ready_chat.send(text)
        assert "didn't catch that" in replies.text, repr(text[:10])
        assert len(replies.messages) == 1


async def test_pain_out_of_range(harness, ready_chat):
    await ready_chat.send("done")
    for text in ("pain 99", "-1", "2.5", "11/10"):
        replies = await ready_chat.send(text)
        assert "from 0 (no pain) to 10" in replies.text, text
    assert await count(harness.services, PainCheckin) == 0
    ok = await ready_chat.send("4")  # the question is still open
    assert "Noted: 4/10" in ok.text


async def test_unknown_command(ready_chat):
    replies = await ready_chat.send("/frobnicate now")
    assert "I don't know the command /frobnicate" in replies.text
    assert "/today" in replies.text


async def test_sticker_gets_an_answer(ready_chat):
    replies = await ready_chat.send_sticker()
    assert "only read text and buttons" in replies.text


async def test_forged_and_stale_callbacks_are_refused_politely(harness, ready_chat, caplog):
    forged = [
        "",
        "nonsense",
        "done",
        "done:yesterday",
        "done:2026-13-45",
        "pain:2026-11-25:99",
        "pain:2026-11-25:3:extra",
        "how:../../etc",
        "how:unknown_exercise",
        "tz:Mars/Base",
        "days:999",
        "savedays:1",
        "time:25:99",
        "redflag:maybe",
        "x" * 64,
        "done:2026-11-25\n",
        "how:hip_bump$",
        "snooze:2026-11-24",
        "snooze:2099-01-01",
        "barrier:2026-11-23:time",
        "barrier:2026-11-23:bribery",
        "barrier:not-a-day:time",
        "morning:2026-11-24:3",
        "morning:2026-11-25:11",
        "cleared",  # nothing is on hold
        "delete",
        "delete:soon",
        "delete:99999999999",  # a confirmation from the future
        "delete:999999999999",  # past the year 9999
        "delete:100000000000",
        "delete:1",  # from 1970
        "delete:-5",
        "delete:١٢٣",  # digits, but not ASCII ones
        "done:２０２６-11-25",
        "days:٣",
    ]
    for data in forged:
        replies = await ready_chat.press_data(data)
        assert replies.toast, data
        assert "went wrong" not in replies.text, data
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    stale = await ready_chat.press_data("done:2026-11-01")
    assert "has passed" in stale.toast
    assert await count(harness.services, SessionLog) == 0
    assert await count(harness.services, User) == 1  # no forged /delete went through
    still_fine = await ready_chat.send("/today")
    assert "training day" in still_fine.text


async def test_callback_data_that_is_not_text_is_refused_politely(harness, ready_chat, caplog):
    """A forged client can put any JSON in callback_query.data."""
    for data in (12345, 1.5, True, None, ["done"], {"delete": 1}, "x" * 300):
        before = len(harness.emulator.events)
        update_id = harness.emulator.push_update(
            {
                "callback_query": {
                    "id": f"forged-{len(str(data))}",
                    "from": {"id": ready_chat.user_id, "is_bot": False, "first_name": "Alex"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": 1_790_000_000,
                        "chat": {"id": ready_chat.user_id, "type": "private"},
                        "text": "(old message)",
                    },
                }
            }
        )
        await harness.handled.wait(update_id)
        toasts = [
            event.text
            for event in harness.emulator.events[before:]
            if event.method == "answerCallbackQuery"
        ]
        assert toasts == ["That button has expired. Send /today for a fresh one."], data
        assert "went wrong" not in " ".join(e.text for e in harness.emulator.events[before:])
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert await count(harness.services, User) == 1


async def test_a_button_on_a_message_that_is_gone_answers_anew(harness, ready_chat, caplog):
    """Telegram refuses to edit a deleted (or 48-hour-old) message: the answer is sent as a
    new one, not an apology."""
    replies = await ready_chat.press_data("keep", message_id=999_999)
    assert "Nothing was deleted" in replies.text
    assert "went wrong" not in replies.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_pain_button_for_a_day_without_session(harness, ready_chat):
    replies = await ready_chat.press_data("pain:2026-11-25:3")
    assert "finished" in replies.text
    assert await count(harness.services, PainCheckin) == 0


async def test_callbacks_cannot_touch_another_users_data(harness):
    alex, mallory = harness.chat(7001, "Alex"), harness.chat(7002, "Mallory")
    await alex.onboard()
    await mallory.onboard()
    await alex.send("done")
    # Mallory replays Alex's pain button: it can only ever address Mallory's own sessions.
    replies = await mallory.press_data("pain:2026-11-25:9")
    assert "finished" in replies.text
    async with harness.services.database.transaction() as db:
        assert (await db.scalars(select(PainCheckin))).all() == []


async def test_commands_before_setup_get_the_welcome(chat):
    for text in ("/today", "done", "pain 3", "hello"):
        replies = await chat.send(text)
        assert "I'm Knee Coach" in replies.text, text
        assert replies.last.buttons == [[("✅ I understand", "disclaimer")]]


async def test_schedule_buttons_before_screen_are_refused(harness, chat):
    await chat.send("/start")
    replies = await chat.press_data("savedays:21")
    assert "first steps" in replies.toast


async def test_wrong_number_of_days_is_refused(chat):
    await chat.send("/start")
    await chat.press("I understand")
    await chat.press("None of these")
    await chat.send("Paris")
    one_day = await chat.press_data("savedays:1", chat.last_buttons.message_id)
    assert "Please pick 2 to 5 days" in one_day.toast
    six_days = await chat.press_data("savedays:63", chat.last_buttons.message_id)
    assert "Please pick 2 to 5 days" in six_days.toast


async def test_unknown_place_and_bad_time(chat):
    await chat.send("/start")
    await chat.press("I understand")
    await chat.press("None of these")
    unknown = await chat.send("Xyzzyville")
    assert "couldn't find that place" in unknown.text
    await chat.send("Lisbon")
    await chat.press("Save days")
    bad = await chat.send("quarter past never")
    assert "didn't understand that time" in bad.text
    morning = await chat.send("6pm")
    assert "What time suits you in the morning?" in morning.text
    good = await chat.send("7:30 am")
    assert "18:00" in good.text and "Morning check: 07:30" in good.text


async def test_old_button_after_midnight_still_counts_for_yesterday(harness, ready_chat):
    today = await ready_chat.send("/today")
    harness.clock.advance(timedelta(hours=15))  # past midnight in Berlin
    late = await ready_chat.press("Session done", today.last)
    assert late.toast == "Logged ✅"
    async with harness.services.database.transaction() as db:
        log = await db.scalar(select(SessionLog))
    assert str(log.local_date) == "2026-11-25"


async def test_handler_crash_is_answered_and_bot_keeps_serving(harness, ready_chat, monkeypatch):
    from handlers import today

    async def broken(turn):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(today, "show_today", broken)
    crashed = await ready_chat.send("/today")
    assert "something went wrong" in crashed.text
    monkeypatch.undo()
    recovered = await ready_chat.send("/today")
    assert "training day" in recovered.text


async def test_telegram_errors_on_reply_do_not_stop_the_bot(harness, ready_chat):
    from sandbox.emulator import Fault

    harness.emulator.faults.append(Fault(status=500, method="sendMessage", times=1))
    await ready_chat.send("/help")  # the first answer fails on Telegram's side
    harness.emulator.faults.clear()
    replies = await ready_chat.send("/help")
    assert "Here's what I can do" in replies.text
