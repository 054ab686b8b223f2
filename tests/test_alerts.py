"""Issue 24, alerts: a patient's red flag or review hold reaches their clinician, named and
quoted, with "Open summary" (the one-page report) and "clear the hold"; the clinician's
clearance ends the hold and reaches the patient by name. Nobody else is told, and no other
clinician can open or clear anything. Through the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from sandbox.emulator import Event
from storage.models import CareNotice, Clearance, User
from tests.auxil.chat import Chat
from tests.test_clinicians import ANA, BEN, PATIENT, clinician_chat, invite_code, shared


async def linked_patient(harness) -> tuple[Chat, Chat]:
    """Ana, a claimed clinician, and Pat, onboarded in Berlin and sharing with her."""
    ana = await clinician_chat(harness)
    code = await invite_code(ana)
    pat = harness.chat(PATIENT, "Pat")
    await pat.onboard()
    await shared(harness, pat, code)
    await harness.engine.tick()  # "Pat now shares" goes out
    return ana, pat


async def sent_to(harness, chat_id: int, before: int) -> list[Event]:
    """The messages a chat got since `before` events, once the engine sent what is due."""
    await harness.engine.tick()
    return [
        event
        for event in harness.emulator.events[before:]
        if event.chat_id == chat_id and event.method == "sendMessage"
    ]


async def stored(harness, model: type) -> list:
    async with harness.services.database.transaction() as db:
        return list(await db.scalars(select(model)))


async def test_a_red_flag_reaches_the_clinician_and_her_clearance_reaches_the_patient(harness):
    ana, pat = await linked_patient(harness)
    before = len(harness.emulator.events)
    await pat.send("/redflags")
    await pat.press("Chest pain or breathless")
    after_tap = len(harness.emulator.events)
    [alert] = await sent_to(harness, ANA, before)
    assert "🚨 Pat reported a warning sign: Chest pain or breathless" in alert.text
    assert "emergency" in alert.text and "on hold" in alert.text
    assert [label for row in alert.buttons for label, _ in row] == [
        "📄 Open summary",
        "✅ I have seen this patient: clear the hold",
    ]
    assert await sent_to(harness, PATIENT, after_tap) == []  # only the clinician is told

    before = len(harness.emulator.events)
    done = await ana.press("clear the hold", alert)
    assert "Pat's program runs again" in done.text
    [told] = await sent_to(harness, PATIENT, before)
    assert "Ana Ruiz has seen how you are and cleared the hold" in told.text
    today = await pat.send("/today")
    assert "on hold" not in today.text and "1." in today.text
    [clearance] = await stored(harness, Clearance)
    assert clearance.clinician_id is not None
    [user] = [u for u in await stored(harness, User) if u.id == PATIENT]
    assert not user.on_hold
    again = await ana.press("clear the hold", alert)
    assert again.toast == "Pat's program is not on hold."


async def test_a_soon_flag_waits_for_the_clinicians_digest_hour(harness):
    _ana, pat = await linked_patient(harness)  # Wednesday 09:00 UTC; Ana's hour is 08:00 UTC
    before = len(harness.emulator.events)
    await pat.send("/redflags")
    await pat.press("Knee locks")
    assert await sent_to(harness, ANA, before) == []
    harness.clock.set(datetime(2026, 11, 26, 7, 59, tzinfo=UTC))
    assert await sent_to(harness, ANA, before) == []
    harness.clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    [alert] = await sent_to(harness, ANA, before)
    assert "Pat reported a warning sign: Knee locks" in alert.text


async def test_a_review_hold_quotes_the_score_behind_it(harness):
    _ana, pat = await linked_patient(harness)
    await pat.send("/today")
    await pat.tap("done:")
    before = len(harness.emulator.events)
    await pat.send("pain 10")
    [alert] = await sent_to(harness, ANA, before)
    assert "⚠️ Pat's program is on hold for a review: the highest pain score there is" in (
        alert.text
    )
    assert "10/10 on Wed 25 Nov" in alert.text
    [notice] = [n for n in await stored(harness, CareNotice) if n.kind == "review"]
    assert (notice.detail, notice.patient_name) == ("", "")  # nothing kept once sent


async def test_open_summary_sends_the_patients_report_in_the_clinicians_language(harness):
    ana, pat = await linked_patient(harness)
    await ana.send("/language")
    await ana.tap("lang:es")
    await pat.send("/today")
    await pat.tap("done:")
    await pat.send("pain 3")
    listing = await ana.send("/patients")
    summary = await ana.press("Pat", listing.with_buttons())
    [document] = [event for event in summary.events if event.method == "sendDocument"]
    assert document.filename is not None and document.filename.endswith(".pdf")
    assert "Pat" in document.text
    text = "\n".join(page.extract_text() for page in PdfReader(_bytes(document)).pages)
    assert ("Pat" in text and "Semana" in text) or "semana" in text


def _bytes(event: Event):
    import io

    assert event.document is not None
    return io.BytesIO(event.document)


async def test_another_clinician_can_neither_open_nor_clear_a_patient(harness):
    _ana, pat = await linked_patient(harness)
    ben = await clinician_chat(harness, BEN, "Ben Ode")
    await pat.send("/redflags")
    await pat.press("Knee locks")
    before = len(harness.emulator.events)
    for data in (f"psum:{PATIENT}", f"pclear:{PATIENT}"):
        tried = await ben.press_data(data)
        assert tried.toast == "This patient no longer shares their progress with you."
        assert [e for e in tried.events if e.method in ("sendDocument", "sendMessage")] == []
    [user] = [u for u in await stored(harness, User) if u.id == PATIENT]
    assert user.on_hold
    assert await stored(harness, Clearance) == []
    assert await sent_to(harness, PATIENT, before) == []
    # A patient (not a clinician) pressing a forged clinician button is told it is for them.
    forged = await pat.press_data(f"pclear:{PATIENT}")
    assert "This command is for clinicians" in forged.text


async def test_after_stop_sharing_the_alert_buttons_show_nothing(harness):
    ana, pat = await linked_patient(harness)
    before = len(harness.emulator.events)
    await pat.send("/redflags")
    await pat.press("Chest pain or breathless")
    [alert] = await sent_to(harness, ANA, before)
    physio = await pat.send("/physio")
    await pat.tap("stopshare:", physio.with_buttons())
    for label in ("Open summary", "clear the hold"):
        tried = await ana.press(label, alert)
        assert tried.toast == "This patient no longer shares their progress with you."
    [user] = [u for u in await stored(harness, User) if u.id == PATIENT]
    assert user.on_hold


async def test_an_unlinked_patients_red_flag_tells_nobody(harness, ready_chat):
    ana = await clinician_chat(harness)
    before = len(harness.emulator.events)
    await ready_chat.send("/redflags")
    await ready_chat.press("Chest pain or breathless")
    harness.clock.advance(timedelta(days=1))
    assert await sent_to(harness, ANA, before) == []
    assert await stored(harness, CareNotice) == []
    assert ana is not None


async def test_a_quiet_patient_is_named_once_per_quiet_stretch(harness):
    _ana, pat = await linked_patient(harness)
    await pat.send("/today")
    await pat.tap("done:")  # Wednesday 25 November
    before = len(harness.emulator.events)
    harness.clock.advance(timedelta(days=13, hours=23))
    assert [sent for sent in await sent_to(harness, ANA, before) if "💤" in sent.text] == []
    harness.clock.advance(timedelta(hours=1))
    [alert] = [sent for sent in await sent_to(harness, ANA, before) if "💤" in sent.text]
    assert "💤 Pat has done no session since Wed 25 Nov" in alert.text
    assert "Open summary" in str(alert.buttons)
    after_alert = len(harness.emulator.events)
    harness.clock.advance(timedelta(days=3))
    again = [sent for sent in await sent_to(harness, ANA, after_alert) if "💤" in sent.text]
    assert again == []  # once per quiet stretch (the weekly digest came meanwhile)


async def test_an_urgent_flag_reaches_the_clinician_without_waiting_for_a_tick(harness):
    """Ticks come a minute apart in production; an emergency must not wait for one. (The
    harness ticks only by hand, so only the turn's wake can have sent it.)"""
    _ana, pat = await linked_patient(harness)
    before = len(harness.emulator.events)
    await pat.send("/redflags")
    await pat.press("Hot, red knee and fever")
    for _ in range(100):
        got = [e for e in harness.emulator.events[before:] if e.chat_id == ANA]
        if got:
            break
        await asyncio.sleep(0.05)
    assert "Hot, red knee and fever (same day" in got[0].text


async def test_each_side_reads_its_own_language(harness):
    """The clinician speaks Russian, the patient Spanish: the alert reaches her in Russian
    (the flag's words too), the clearance reaches him in Spanish."""
    ana, pat = await linked_patient(harness)
    await ana.send("/language")
    await ana.tap("lang:ru")
    await pat.send("/language")
    await pat.tap("lang:es")
    before = len(harness.emulator.events)
    await pat.send("/redflags")
    await pat.tap("redflag:chest")
    [alert] = await sent_to(harness, ANA, before)
    assert "🚨 Pat сообщает о тревожном симптоме" in alert.text
    assert "Боль в груди или одышка" in alert.text
    assert "Открыть сводку" in str(alert.buttons)
    before = len(harness.emulator.events)
    await ana.press("снять паузу", alert)
    [told] = await sent_to(harness, PATIENT, before)
    assert "Ana Ruiz ha visto cómo está y ha levantado la pausa" in told.text
