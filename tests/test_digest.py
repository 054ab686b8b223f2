"""Issue 24, item 5: the clinician's week at a glance. /patients on demand and the weekly
digest at the clinician's own day, hour and zone: one line per patient, those needing
attention first, with a summary button each. Through the emulator, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from content.digest import Pain, PatientWeek, attention_first, planned_days
from handlers.digest import patient_line
from tests.test_alerts import linked_patient, sent_to
from tests.test_clinicians import ANA, PATIENT, clinician_chat, invite_code, shared

BASE = PatientWeek(
    patient_id=1,
    first_name="",
    done=3,
    planned=3,
    past_due=2,
    during=Pain(2, 2),
    morning=Pain(1, 1),
    level_changes=0,
    on_hold=False,
    flags=0,
)


def week(name: str, **changes: Any) -> PatientWeek:
    return replace(BASE, first_name=name, **changes)


def test_those_needing_attention_come_first_then_by_name():
    ordered = attention_first(
        [
            week("Zoe"),
            week("Unread", unread=2),
            week("Idle", done=0),
            week("Today", done=0, past_due=0),  # the first training day has not ended
            week("Rising", during=Pain(5, 3)),
            week("Held", on_hold=True),
            week("Amy"),
        ]
    )
    assert [item.first_name for item in ordered] == [
        "Held",
        "Rising",
        "Idle",
        "Unread",
        "Amy",
        "Today",
        "Zoe",
    ]
    assert not week("Amy").needs_attention and week("Idle", done=0).needs_attention
    assert not week("Rest", done=0, planned=0, past_due=0).needs_attention
    assert Pain(4, 3.5).change == 0.5 and not Pain(4, 3.5).rising and Pain(None, 3).change is None


def test_a_week_with_no_training_day_yet_says_so():
    assert "Ann: no session planned yet" in patient_line(week("Ann", done=0, planned=0))
    assert "Ann: 1 extra session ·" in patient_line(week("Ann", done=1, planned=0))
    assert "Ann: 2 of 3 sessions ·" in patient_line(week("Ann", done=2, planned=3))


def test_planned_days_count_none_before_joining():
    monday, sunday = date(2026, 11, 23), date(2026, 11, 29)
    assert planned_days((0, 2, 4), monday, sunday, monday) == 3
    assert planned_days((0, 2, 4), monday, sunday, date(2026, 11, 25)) == 2  # Wed, Fri


async def test_patients_lists_the_one_needing_attention_first(harness):
    ana, pat = await linked_patient(harness)
    lee = harness.chat(8203, "Lee")
    await lee.onboard()
    await shared(harness, lee, await invite_code(ana))
    await lee.send("/today")
    await lee.tap("done:")
    await lee.send("pain 2")
    await pat.send("/redflags")
    await pat.press("Knee locks")
    listing = await ana.send("/patients")
    lines = listing.text.split("\n\n")
    assert lines[1].startswith("⚠️ Pat: on hold · 1 warning sign · 0 of 1 session")
    assert lines[2].startswith("Lee: 1 of 1 session · pain during 2/10")
    assert [[label for label, _ in row] for row in listing.with_buttons().buttons] == [
        ["📄 Pat", "✏️ Program"],
        ["📄 Lee", "✏️ Program"],
    ]


async def test_the_digest_comes_at_the_clinicians_hour_in_her_zone_once(harness):
    ana, _pat = await linked_patient(harness)
    changed = await ana.send("/digest Tokyo")
    assert "every Monday at 08:00 (Tokyo)" in changed.text
    before = len(harness.emulator.events)
    harness.clock.set(datetime(2026, 11, 29, 22, 59, tzinfo=UTC))  # Mon 07:59 in Tokyo
    assert await sent_to(harness, ANA, before) == []
    harness.clock.set(datetime(2026, 11, 29, 23, 0, tzinfo=UTC))
    [digest] = await sent_to(harness, ANA, before)
    assert digest.text.startswith("📋 Your patients' week (")
    assert "Pat: 0 of " in digest.text and "📄 Pat" in str(digest.buttons)
    after = len(harness.emulator.events)
    harness.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert await sent_to(harness, ANA, after) == []  # once a week


async def test_digest_settings_in_russian_and_a_place_it_does_not_know(harness):
    ana, _pat = await linked_patient(harness)
    await ana.send("/language")
    await ana.tap("lang:ru")
    shown = await ana.send("/digest")
    assert "понедельник" in shown.text and "/digest" in shown.text
    changed = await ana.send("/digest пятница 17:30 Москва")
    assert "пятница" in changed.text and "17:00" in changed.text and "Москва" in changed.text
    refused = await ana.send("/digest Atlantisville")
    assert "Atlantisville" in refused.text
    assert "пятница" in (await ana.send("/digest")).text  # nothing changed
    patient = await harness.chat(8209, "Sam").send("/digest")
    assert "/digest" in patient.text


async def test_linking_asks_for_the_activities_baseline_and_the_digest_shows_the_change(harness):
    ana, pat = await linked_patient(harness)  # Pat was set up before he shared
    offered = [
        e for e in harness.emulator.events if e.chat_id == PATIENT and "📝" in str(e.buttons)
    ]
    assert "Ana Ruiz will also want to know which everyday activities" in offered[-1].text
    assert "every 28 days" in offered[-1].text
    asked = await pat.press("Rate my activities", offered[-1])
    assert "Which everyday activities does your knee make hard?" in asked.text
    await pat.send("stairs")
    await pat.press("That's all")
    await pat.send("3")
    harness.clock.set(harness.clock.now() + timedelta(days=28))
    await pat.send("/psfs")
    await pat.send("6")
    listing = await ana.send("/patients")
    assert "activities 6/10 (+3, a meaningful change)" in listing.text


async def test_a_new_patient_who_links_first_is_asked_when_setup_ends(harness):
    ana = await clinician_chat(harness)
    newcomer = harness.chat(PATIENT, "Pat")
    await shared(harness, newcomer, await invite_code(ana))
    before = len(harness.emulator.events)
    await newcomer.onboard()
    texts = [e.text for e in harness.emulator.events[before:] if e.chat_id == PATIENT]
    assert any("You're all set!" in text for text in texts)
    assert any("Ana Ruiz will also want to know" in text for text in texts)
    again = await newcomer.send("/start")  # settings, not a second offer
    assert "Ana Ruiz will also want to know" not in again.text


async def test_an_unanswered_message_puts_the_patient_on_the_list_until_answered(harness):
    ana, pat = await linked_patient(harness)
    await pat.send("/physio Is swelling after stairs normal?")
    listing = await ana.send("/patients")
    assert "⚠️ Pat: 0 of 1 session · 1 unread message" in listing.text
