"""Issue 24, item 7: a clinician edits a patient's program from their chat (an exercise a level
up or down, opened or locked, the program paused or resumed). Each change applies at once, is
told to the patient by the clinician's name, is kept in the level history as the clinician's,
and the automatic rules respect it: no automatic step up for 7 days (down for pain still
works), no automatic opening of an exercise the clinician locked. Nobody but the patient's
live clinician changes anything. Through the emulator on SQLite and PostgreSQL, and the pure
rules beside them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from content.catalogue import load_catalogue
from content.edits import Asked, Edit, ProgramChange, Refusal, edit_move
from content.progression import Moment, Progression, SessionRecord, Standing, Step, Track, Why
from storage.models import CareNotice, LevelChange, PausePeriod, User
from tests.auxil.chat import Chat, Replies
from tests.test_adapting import JOINED, Days
from tests.test_alerts import linked_patient, sent_to, stored
from tests.test_clinicians import BEN, OTHER, PATIENT, clinician_chat, invite_code, shared

CATALOGUE = load_catalogue()
DONE = "Done: Pat is told."
NOT_YOURS = "This patient no longer shares their progress with you."


async def program_screen(clinician: Chat) -> Replies:
    """/patients, then "✏️ Program" beside the patient."""
    listing = await clinician.send("/patients")
    return await clinician.tap(f"pprog:{PATIENT}", listing.with_buttons())


def edit(exercise: str, action: str, level: int, patient: int = PATIENT) -> str:
    return f"pedit:{patient}:{exercise}:{action}:{level}"


async def levels(harness, user_id: int = PATIENT) -> dict[str, int]:
    async with harness.services.database.transaction() as db:
        user = await db.get(User, user_id)
        assert user is not None
        return {row.exercise: row.level for row in await user.awaitable_attrs.exercise_levels}


async def changes(harness) -> list[tuple[str, int | None, int, str, str | None]]:
    """(exercise, from, to, reason, author's name) of every level change, in order."""
    async with harness.services.database.transaction() as db:
        rows = await db.scalars(select(LevelChange).order_by(LevelChange.id))
        return [
            (
                row.exercise,
                row.from_level,
                row.to_level,
                row.reason,
                row.clinician.name if row.clinician else None,
            )
            for row in rows
        ]


async def test_a_level_up_reaches_the_patient_their_session_and_the_history(harness):
    ana, pat = await linked_patient(harness)
    screen = await program_screen(ana)
    assert "✏️ Pat's program:" in screen.text
    assert "• Hip bump: level 2 of 3 (Full range)" in screen.text
    assert "🔒 Single-leg RDL: locked" in screen.text
    assert "only after 7 days" in screen.text
    before = len(harness.emulator.events)
    up = await ana.tap(edit("hip_bump", "up", 2), screen.with_buttons())
    assert up.toast == DONE
    [shown] = [event for event in up.events if event.method == "editMessageText"]
    assert "• Hip bump: level 3 of 3 (Slow lowering)" in shown.text
    assert [event for event in up.events if event.method == "sendMessage"] == []
    [told] = await sent_to(harness, PATIENT, before)
    assert "✏️ Ana Ruiz set Hip bump to level 3 of 3 (Slow lowering)." in told.text
    assert "Hip bump (Slow lowering)" in (await pat.send("/today")).text
    down = await ana.tap(edit("hip_bump", "down", 3))
    assert down.toast == DONE
    assert "Ana Ruiz set Hip bump to level 2" in (await sent_to(harness, PATIENT, before))[-1].text
    assert await changes(harness) == [
        ("hip_bump", 2, 3, "clinician", "Ana Ruiz"),
        ("hip_bump", 3, 2, "clinician", "Ana Ruiz"),
    ]
    export = await pat.send("/export")
    [sheet] = [event for event in export.events if event.method == "sendDocument"]
    assert "from level 2 (Full range) to level 3 (Slow lowering); reason: set by Ana Ruiz" in (
        (sheet.document or b"").decode()
    )


async def test_the_report_names_the_clinician_as_the_author_of_a_change(harness):
    ana, pat = await linked_patient(harness)
    await ana.tap(edit("squat_to_surface", "down", 2), (await program_screen(ana)).with_buttons())
    await pat.tap("done:", (await pat.send("/today")).with_buttons())
    await pat.send("pain 1")
    replies = await pat.send("/report")
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    text = " ".join(pdf_words(document.document or b""))
    assert "Squat to a surface: level 2 → 1 (set by Ana Ruiz)" in text


def pdf_words(data: bytes) -> list[str]:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()


async def test_opening_and_locking_an_exercise_change_the_patients_session(harness):
    ana, pat = await linked_patient(harness)
    screen = await program_screen(ana)
    before = len(harness.emulator.events)
    opened = await ana.tap(edit("single_leg_rdl", "open", 0), screen.with_buttons())
    assert opened.toast == DONE
    assert "• Single-leg RDL: level 1 of 3 (Supported)" in opened.text
    locked = await ana.tap(edit("balance", "lock", 2))
    assert locked.toast == DONE
    assert "🔒 Foot and ankle balance: locked" in locked.text
    told = "\n".join(event.text for event in await sent_to(harness, PATIENT, before))
    assert (
        "✏️ Ana Ruiz opened Single-leg RDL for you: it is in your sessions from now on, at "
        "level 1 of 3 (Supported)." in told
    )
    assert "✏️ Ana Ruiz took Foot and ankle balance out of your sessions for now." in told
    today = (await pat.send("/today")).text
    assert "Single-leg RDL (Supported)" in today and "Foot and ankle balance" not in today
    assert await levels(harness) == {"single_leg_rdl": 1, "hip_bump": 2, "squat_to_surface": 2}
    assert await changes(harness) == [
        ("single_leg_rdl", None, 1, "clinician", "Ana Ruiz"),
        ("balance", 2, 0, "clinician", "Ana Ruiz"),
    ]


async def test_pause_and_resume_stop_and_restart_the_patients_reminders(harness):
    ana, _pat = await linked_patient(harness)
    before = len(harness.emulator.events)
    paused = await ana.tap(f"ppause:{PATIENT}:pause", (await program_screen(ana)).with_buttons())
    assert paused.toast == DONE and "⏸ Reminders are paused." in paused.text
    [told] = await sent_to(harness, PATIENT, before)
    assert "⏸ Ana Ruiz paused your program: no reminders until they resume it" in told.text
    harness.clock.advance(timedelta(hours=8, minutes=5))  # past 18:00 in Berlin, a training day
    after_pause = len(harness.emulator.events)
    assert await sent_to(harness, PATIENT, after_pause) == []  # no reminder
    [period] = await stored(harness, PausePeriod)
    assert period.ended_at is None
    resumed = await ana.tap(f"ppause:{PATIENT}:resume")
    assert resumed.toast == DONE and "⏸ Pause program" in str(resumed.with_buttons().buttons)
    [told] = await sent_to(harness, PATIENT, after_pause)
    assert "▶️ Ana Ruiz resumed your program: reminders come again" in told.text
    [user] = [user for user in await stored(harness, User) if user.id == PATIENT]
    assert not user.paused
    shown = resumed.with_buttons().message_id or 0
    again = await ana.press_data(f"ppause:{PATIENT}:resume", shown)  # the old ▶️ button
    assert again.toast == "The program had changed meanwhile: here it is as it is now."
    assert await sent_to(harness, PATIENT, len(harness.emulator.events)) == []


async def test_an_edit_out_of_bounds_or_from_a_stale_button_changes_nothing(harness):
    ana, _pat = await linked_patient(harness)
    first = (await program_screen(ana)).with_buttons()
    await ana.tap(edit("hip_bump", "up", 2), first)
    top = await ana.tap(edit("hip_bump", "up", 3))
    assert top.toast == "Hip bump is at its hardest level already."
    stale = await ana.tap(edit("hip_bump", "up", 2), first)
    assert stale.toast == "The program had changed meanwhile: here it is as it is now."
    await ana.tap(edit("balance", "down", 2))
    bottom = await ana.tap(edit("balance", "down", 1))
    assert (
        bottom.toast == "Foot and ankle balance is at its easiest level already; 🔒 takes it out."
    )
    await ana.tap(edit("balance", "lock", 1))
    await ana.tap(edit("hip_bump", "lock", 3))
    last = await ana.tap(edit("squat_to_surface", "lock", 2))
    assert last.toast == "The program needs one exercise at least: ⏸ pauses it instead."
    unknown = await ana.press_data(edit("yoga_flow", "up", 1))
    assert unknown.toast == "That exercise is not in the program."
    assert await levels(harness) == {"squat_to_surface": 2}
    assert [row[:3] for row in await changes(harness)] == [
        ("hip_bump", 2, 3),
        ("balance", 2, 1),
        ("balance", 1, 0),
        ("hip_bump", 3, 0),
    ]
    assert len([n for n in await stored(harness, CareNotice) if n.kind == "edited"]) == 4


async def test_nobody_but_the_patients_live_clinician_edits_or_sees_their_program(harness):
    ana, pat = await linked_patient(harness)
    screen = (await program_screen(ana)).with_buttons()
    ben = await clinician_chat(harness, BEN, "Ben Ode")
    other = harness.chat(OTHER, "Olga")
    await other.onboard()
    await shared(harness, other, await invite_code(ben))
    others = await levels(harness, OTHER)
    forged = [
        (ben, f"pprog:{PATIENT}"),
        (ben, edit("hip_bump", "up", 2)),
        (ben, f"ppause:{PATIENT}:pause"),
        (ana, edit("hip_bump", "up", 2, patient=OTHER)),  # Ben's patient
        (ana, f"ppause:{OTHER}:pause"),
    ]
    await harness.engine.tick()
    before = len(harness.emulator.events)
    for chat, data in forged:
        tried = await chat.press_data(data)
        assert tried.toast == NOT_YOURS, data
        assert [event for event in tried.events if event.method != "answerCallbackQuery"] == []
    physio = await pat.send("/physio")
    await pat.tap("stopshare:", physio.with_buttons())
    await harness.engine.tick()
    stopped = len(harness.emulator.events)
    for data in (edit("hip_bump", "up", 2), f"ppause:{PATIENT}:pause", f"pprog:{PATIENT}"):
        tried = await ana.press_data(data, screen.message_id or 0)
        assert tried.toast == NOT_YOURS, data
        assert [event for event in tried.events if event.method != "answerCallbackQuery"] == []
    assert (
        "This command is for clinicians" in (await pat.press_data(edit("hip_bump", "up", 2))).text
    )
    assert await changes(harness) == []
    assert await levels(harness, OTHER) == others
    assert not [user for user in await stored(harness, User) if user.paused]
    kinds = {notice.kind for notice in await stored(harness, CareNotice)}
    assert not kinds & {"edited", "paused", "resumed"}
    assert [e for e in harness.emulator.events[before:stopped] if e.chat_id == OTHER] == []
    assert await sent_to(harness, OTHER, stopped) == []


async def test_no_automatic_step_up_for_7_days_after_a_clinicians_change_but_down_for_pain(
    harness,
):
    ana, pat = await linked_patient(harness)
    screen = (await program_screen(ana)).with_buttons()
    await ana.tap(edit("hip_bump", "down", 2), screen)  # Wednesday 25 November
    await ana.tap(edit("squat_to_surface", "up", 2))
    days = Days(harness, pat)
    days.day = JOINED
    # Pain-free sessions on Friday and Monday, calm mornings: nothing steps up for a week.
    await days.week([(1, 1), (1, 1)])
    assert (await levels(harness))["hip_bump"] == 1
    # Wednesday 2 December: too much pain steps the clinician's squat down at once.
    await days.week([(7, None)])
    assert (await levels(harness))["squat_to_surface"] == 2
    automatic = [row for row in await changes(harness) if row[4] is None]
    assert ("squat_to_surface", 3, 2, "too_much_pain", None) in automatic
    assert not [row for row in automatic if row[3] == "pain_free"]


async def test_an_exercise_the_clinician_locked_is_not_opened_by_the_rules(harness):
    ana, pat = await linked_patient(harness)
    screen = (await program_screen(ana)).with_buttons()
    await ana.tap(edit("single_leg_rdl", "open", 0), screen)  # Wednesday 25 November
    await ana.tap(edit("single_leg_rdl", "lock", 1))
    days = Days(harness, pat)
    days.day = JOINED
    # Three pain-free sessions, each with a calm morning: by Thursday 3 December an opening is
    # due (8 days after the last one); the first in line is the one Ana locked.
    await days.week([(1, 1), (1, 1), (1, 1)])
    assert days.day == date(2026, 12, 3)
    opened = [row for row in await changes(harness) if row[1] is None and row[4] is None]
    assert opened == [("hip_circles", None, 1, "pain_free", None)]
    assert "single_leg_rdl" not in await levels(harness)


async def test_the_clinician_reads_russian_and_the_patient_spanish(harness):
    ana, pat = await linked_patient(harness)
    await ana.send("/language")
    await ana.tap("lang:ru")
    await pat.send("/language")
    await pat.tap("lang:es")
    screen = await program_screen(ana)
    assert "✏️ Программа пациента Pat:" in screen.text
    assert "• Подъём таза стоя у стены: уровень 2 из 3 (Полная амплитуда)" in screen.text
    before = len(harness.emulator.events)
    up = await ana.tap(edit("hip_bump", "up", 2), screen.with_buttons())
    assert up.toast == "Готово: Pat получит уведомление."
    paused = await ana.tap(f"ppause:{PATIENT}:pause")
    assert "▶️ Возобновить программу" in str(paused.with_buttons().buttons)
    told = "\n".join(event.text for event in await sent_to(harness, PATIENT, before))
    assert (
        "✏️ Ana Ruiz ha puesto Elevación de cadera en la pared en el nivel 3 de 3 (Bajada lenta)."
        in told
    )
    assert "Envía /today para ver la sesión de hoy." in told
    assert "⏸ Ana Ruiz ha pausado tu programa" in told
    export = await pat.send("/export")
    [sheet] = [event for event in export.events if event.method == "sendDocument"]
    assert "cambiado por Ana Ruiz" in (sheet.document or b"").decode()


# -- the pure rules ---------------------------------------------------------------------------

STARTER = {"balance": 2, "hip_bump": 2, "squat_to_surface": 2}


@pytest.mark.parametrize(
    ("exercise", "edit_", "shown", "expected"),
    [
        ("hip_bump", Edit.UP, 2, (Step.UP, 2, 3)),
        ("hip_bump", Edit.DOWN, 2, (Step.DOWN, 2, 1)),
        ("hip_bump", Edit.LOCK, 2, (Step.DOWN, 2, 0)),
        ("sumo_squat", Edit.OPEN, 0, (Step.UNLOCK, 0, 1)),
        ("hip_bump", Edit.UP, 3, Refusal.CHANGED),  # shown at 3, it is at 2
        ("hip_bump", Edit.OPEN, 2, Refusal.CHANGED),  # open already
        ("sumo_squat", Edit.UP, 0, Refusal.CHANGED),  # locked: nothing to step
        ("sumo_squat", Edit.LOCK, 0, Refusal.CHANGED),
        ("yoga", Edit.UP, 1, Refusal.UNKNOWN),
    ],
)
def test_what_each_edit_does_to_a_level(exercise, edit_, shown, expected):
    move = edit_move(CATALOGUE, STARTER, Asked(exercise, edit_, shown))
    if isinstance(expected, Refusal):
        assert move is expected
    else:
        assert (move.step, move.level, move.new_level, move.why) == (*expected, Why.CLINICIAN)


def test_the_edges_of_an_exercise_and_of_the_program_are_refused():
    top = {"hip_bump": 3, "balance": 1}
    assert edit_move(CATALOGUE, top, Asked("hip_bump", Edit.UP, 3)) is Refusal.TOP
    assert edit_move(CATALOGUE, top, Asked("balance", Edit.DOWN, 1)) is Refusal.BOTTOM
    alone = {"hip_bump": 2}
    assert edit_move(CATALOGUE, alone, Asked("hip_bump", Edit.LOCK, 2)) is Refusal.LAST


def test_a_notice_detail_reads_back_and_nonsense_does_not():
    change = ProgramChange("hip_bump", 2, 3)
    assert ProgramChange.read(change.detail) == change
    for nonsense in ("", "hip_bump:2", "Hip:1:2", "hip_bump:1:2:3", "hip_bump:x:2"):
        assert ProgramChange.read(nonsense) is None


def _ready(levels: dict[str, int], held: frozenset[str], last_unlock: date) -> Standing:
    return Standing(levels, {}, last_unlock, held)


SAFE_RUN = [
    SessionRecord(date(2026, 11, 2), STARTER, 1, 1),
    SessionRecord(date(2026, 11, 4), STARTER, 1, 1),
]


@pytest.mark.parametrize(
    ("held", "hip_bump"), [(frozenset(), Step.UP), (frozenset({"hip_bump"}), Step.HOLD)]
)
def test_a_clinicians_change_holds_the_exercises_step_up(held, hip_bump):
    rules = Progression(CATALOGUE)
    only = {"hip_bump": 2}
    run = [SessionRecord(record.day, only, 1, 1) for record in SAFE_RUN]
    review = rules.review(
        _ready(only, held, date(2026, 11, 5)), Track(run), Moment(date(2026, 11, 5))
    )
    [decision] = review.decisions
    assert decision.step is hip_bump
    assert decision.why is (Why.CLINICIAN if held else Why.PAIN_FREE)
    pain = [*run, SessionRecord(date(2026, 11, 6), only, 7, None)]
    review = rules.review(
        _ready(only, held, date(2026, 11, 6)), Track(pain), Moment(date(2026, 11, 6))
    )
    assert [(move.step, move.new_level) for move in review.moves] == [(Step.DOWN, 1)]


@pytest.mark.parametrize(
    ("held", "opened"),
    [(frozenset(), "single_leg_rdl"), (frozenset({"single_leg_rdl"}), "hip_circles")],
)
def test_a_clinicians_lock_is_passed_over_by_the_openings(held, opened):
    today = date(2026, 11, 5)
    review = Progression(CATALOGUE).review(
        _ready(STARTER, held, today - timedelta(days=30)), Track(SAFE_RUN), Moment(today)
    )
    assert [(move.exercise, move.step) for move in review.moves] == [(opened, Step.UNLOCK)]
