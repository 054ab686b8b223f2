"""/export gives back exactly the stored rows; /delete erases one user and nobody else."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from content.catalogue import Moment, load_catalogue
from content.i18n import _, use_language
from content.progression import ClinicianReason, Step, Voice, Why
from content.states import (
    OnboardingStep,
    PainKind,
    PushKind,
    PushStatus,
    SessionStatus,
)
from handlers import mydata
from handlers.mydata import CSV_COLUMNS
from handlers.views import REASONS, describe_reason
from storage.models import (
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    Push,
    SessionExercise,
    SessionLog,
    User,
    WeeklyReview,
)
from storage.people import USER_TABLES
from tests.auxil.reminders import REMINDER_TEXT
from usecases import clinicians

OTHER_USER = 7002
CATALOGUE = load_catalogue()
CATALOGUE_REASONS = {
    reason: describe_reason(reason, CATALOGUE) for reason in ("pain_free", "too_much_pain")
}
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def ready_chat(chat):
    """Morning checks at 08:00 and reminders at 18:00 in Berlin."""
    await chat.onboard(morning="08:00")
    return chat


async def train_a_week(harness, chat) -> None:
    """Two sessions with pain and morning scores (one corrected), an effort answer, a weekly
    check-in, the level changes that follow, a red flag cleared, and sharing with a
    clinician: a row in every table."""
    await share_with_a_clinician(harness, chat)
    for day, morning in ((25, None), (26, "1"), (27, None), (28, "1")):
        harness.clock.set(datetime(2026, 11, day, 7, 0, tzinfo=UTC))  # the morning check
        await harness.engine.tick()
        if morning:
            await chat.send(morning)
        harness.clock.set(datetime(2026, 11, day, 17, 0, tzinfo=UTC))
        before = len(harness.emulator.events)
        await harness.engine.tick()
        pushed = harness.emulator.events[before:]
        reminders = [event for event in pushed if REMINDER_TEXT in event.text]
        if reminders:
            await chat.press("Session done", reminders[-1])
            await chat.send("1")
            await chat.press("Just right")
        if day == 27:
            await chat.send("pain 6")  # a correction: down a level
            harness.clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
            assert (await harness.engine.tick()).counts["sent"] == 1  # the weekly check-in
    asked = await chat.send("my knee gave way")  # a knee event
    await chat.press("No, neither", asked.last)
    noted = await chat.send("my knee is 4 today")  # a day score, Saturday
    assert "Noted: your knee is at 4/10 today" in noted.text
    await chat.send("/psfs")  # the functional scale: an activity and its rating
    await chat.send("stairs")
    await chat.tap("psfsdone")
    await chat.send("5")
    await chat.send("/pause")
    await chat.send("/resume")
    await chat.send("/redflags")
    await chat.press("Numb or weak leg")
    await chat.press("A clinician has checked my knee")


async def share_with_a_clinician(harness, chat) -> None:
    """The person consents to share with a clinician (a care link) and writes to them."""
    async with harness.services.database.transaction() as db:
        added = await clinicians.add_clinician(db, "Ana Ruiz", "Knee Clinic", harness.clock.now())
        code = await clinicians.invite_code(db, added.clinician, harness.clock.now())
    await harness.chat(8101, "Ana").send(f"/start clin_{added.token}")
    offer = await chat.send(f"/start p_{code}")
    await chat.tap("share:", offer.with_buttons())
    await chat.send("/physio See you on Friday")


async def count_rows(services, user_id: int) -> dict[str, int]:
    counts = {}
    async with services.database.transaction() as db:
        for table in USER_TABLES:
            if table is SessionExercise:
                query = select(func.count()).select_from(SessionExercise).join(SessionLog)
                query = query.where(SessionLog.user_id == user_id)
            elif table is User:
                query = select(func.count()).select_from(User).where(User.id == user_id)
            else:
                query = select(func.count()).select_from(table).where(table.user_id == user_id)
            counts[table.__tablename__] = await db.scalar(query)
    return counts


async def two_users_with_data(harness, ready_chat):
    other = harness.chat(OTHER_USER, "Sam")
    await other.onboard("Tokyo")
    await train_a_week(harness, ready_chat)
    await other.send("done")
    await other.send("4")
    return other


async def test_export_parses_back_to_exactly_the_stored_rows(harness, ready_chat):
    await two_users_with_data(harness, ready_chat)
    counts = await count_rows(harness.services, ready_chat.user_id)
    assert all(counts.values()), counts  # every table has rows to export
    replies = await ready_chat.send("/export")
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    assert document.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(document.document.decode("utf-8"))))

    by_record: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_record.setdefault(row["record"], []).append(row)
        if row["time"]:
            stamp = datetime.fromisoformat(row["time"])
            assert stamp.utcoffset() == timedelta(hours=1)  # Berlin in winter
    record_of = {
        "users": "profile",
        "session_logs": "session",
        "session_exercises": "session_exercise",
        "pain_checkins": "pain",
        "exercise_levels": "level",
        "level_changes": "level_change",
        "session_reviews": "session_review",
        "red_flag_answers": "red_flag",
        "clearances": "clearance",
        "weekly_reviews": "weekly_review",
        "pushes": "reminder",
        "pause_periods": "pause",
        "holds": "hold",
        "knee_events": "knee_event",
        "psfs_activities": "psfs_activity",
        "psfs_ratings": "psfs_rating",
        "care_links": "consent",
        "care_messages": "message",
    }
    assert {record_of[table]: count for table, count in counts.items()} == {
        record: len(found) for record, found in by_record.items()
    }

    user_id = ready_chat.user_id
    async with harness.services.database.transaction() as db:
        logs = {log.id: log for log in await db.scalars(select(SessionLog))}
        pain = await db.scalars(select(PainCheckin).where(PainCheckin.user_id == user_id))
        stored_pain = {
            (
                logs[row.session_id].local_date.isoformat()
                if row.session_id
                else row.recorded_at.astimezone(BERLIN).date().isoformat(),
                row.kind,
                str(row.score),
                row.recorded_at,
            )
            for row in pain
        }
        levels = await db.scalars(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id))
        stored_levels = {(row.exercise, str(row.level)) for row in levels}
        changes = await db.scalars(select(LevelChange).where(LevelChange.user_id == user_id))
        stored_changes = {
            (row.exercise, f"{row.from_level or ''} → {row.to_level}", str(row.to_level))
            for row in changes
        }
        review = await db.scalar(select(WeeklyReview))
        push_count = await db.scalar(
            select(func.count()).select_from(Push).where(Push.user_id == user_id)
        )
    exported_pain = {
        (
            row["date"],
            codes_of(row)["kind"],
            row["value"],
            datetime.fromisoformat(row["time"]),
        )
        for row in by_record["pain"]
    }
    assert exported_pain == stored_pain
    # The corrected score and its correction are both there.
    friday = [
        (row["value"], row["detail"].startswith("during the session; superseded 2026-11-27T18:"))
        for row in by_record["pain"]
        if row["date"] == "2026-11-27" and codes_of(row)["kind"] == "during"
    ]
    assert friday == [("1", True), ("6", False)]
    assert [codes_of(row) for row in by_record["session"]] == [
        {"status": "done", "effort": "just_right"}
    ] * 2
    assert [row["detail"] for row in by_record["session"]] == ["just right", "just right"]
    assert {(codes_of(row)["exercise"], row["level"]) for row in by_record["level"]} == (
        stored_levels
    )
    assert {
        (codes_of(row)["exercise"], row["value"], row["level"])
        for row in by_record["level_change"]
    } == stored_changes
    for row in by_record["level_change"]:  # old and new level named, and why
        reason = CATALOGUE_REASONS[codes_of(row)["reason"]]
        assert re.fullmatch(
            r"(from level \d \(.+\) to|opened at) level \d \(.+\); reason: " + re.escape(reason),
            row["detail"],
        ), row["detail"]
        assert CATALOGUE.get(codes_of(row)["exercise"]).name == row["exercise"]
    [weekly] = by_record["weekly_review"]
    assert (weekly["value"], codes_of(weekly).get("barrier")) == (
        f"{review.sessions_done} of {review.sessions_planned}",
        review.barrier,
    )
    assert len(by_record["reminder"]) == push_count
    assert {row["date"] for row in by_record["session"]} == {
        log.local_date.isoformat() for log in logs.values() if log.user_id == user_id
    }


async def test_delete_erases_every_row_of_that_user_only(harness, ready_chat):
    other = await two_users_with_data(harness, ready_chat)
    others_before = await count_rows(harness.services, other.user_id)
    await ready_chat.send("/delete")
    kept = await ready_chat.press("Keep my data")
    assert "Nothing was deleted" in kept.text
    assert all((await count_rows(harness.services, ready_chat.user_id)).values())

    question = await ready_chat.send("/delete")
    harness.clock.advance(timedelta(minutes=11))
    late = await ready_chat.press("Yes, delete everything", question.last)
    assert "expired" in late.toast
    assert all((await count_rows(harness.services, ready_chat.user_id)).values())

    question = await ready_chat.send("/delete")
    done = await ready_chat.press("Yes, delete everything", question.last)
    assert "everything about you is erased" in done.text
    assert set((await count_rows(harness.services, ready_chat.user_id)).values()) == {0}
    assert await count_rows(harness.services, other.user_id) == others_before
    # The reminder engine carries on for the others and has nothing for the erased user.
    harness.clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    before = len(harness.emulator.events)
    await harness.engine.tick()
    assert not [e for e in harness.emulator.events[before:] if e.chat_id == ready_chat.user_id]


async def a_short_week(harness, chat) -> None:
    """After train_a_week: Monday done and rated hard, Wednesday skipped, and the weekly
    check-in on Friday answered "Something else"."""
    for day in range(30, 35):
        harness.clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC) + timedelta(days=day - 30))
        await harness.engine.tick()
        if day == 30:
            await chat.send("done")
            await chat.send("2")
            await chat.press("Hard")
        elif day == 32:
            await chat.send("skip")
    harness.clock.set(datetime(2026, 12, 4, 20, 0, tzinfo=UTC))
    await harness.engine.tick()
    [check_in] = [
        event
        for event in harness.emulator.events
        if any(data == "barrier:2026-11-30:other" for row in event.buttons for _, data in row)
    ]
    await chat.tap("barrier:2026-11-30:other", check_in)


def codes_of(row: dict[str, str]) -> dict[str, str]:
    """The code column's key=value pairs (a review's several moves: the last one)."""
    return dict(pair.split("=", 1) for pair in row["code"].split(";") if pair)


@pytest.mark.parametrize("language", ["ru", "es"])
async def test_export_values_speak_the_persons_language_beside_stable_codes(
    harness, ready_chat, language
):
    await train_a_week(harness, ready_chat)
    await a_short_week(harness, ready_chat)
    english = await ready_chat.send("/export")
    await ready_chat.send("/language")
    await ready_chat.tap(f"lang:{language}")
    local = await ready_chat.send("/export")
    tables = []
    for replies in (english, local):
        [document] = [event for event in replies.events if event.method == "sendDocument"]
        tables.append(list(csv.reader(io.StringIO(document.document.decode("utf-8")))))
    (english_header, *english_rows), (header, *rows) = tables
    # The columns in the order they always had, the code column added at the end; the
    # header in the person's language.
    assert english_header == [
        *("record", "time", "date", "exercise", "level", "value", "detail"),
        "code",
    ]
    with use_language(language):
        assert header == [_(column) for column in CSV_COLUMNS]
    assert not set(header) & set(english_header)
    local_rows = [dict(zip(english_header, row, strict=True)) for row in rows]
    english_dicts = [dict(zip(english_header, row, strict=True)) for row in english_rows]
    # The code column is the same in every language: the values as stored.
    assert [row["code"] for row in local_rows] == [row["code"] for row in english_dicts]
    codes = [codes_of(row) for row in local_rows]
    found = {value for row in codes for value in row.values()}
    quoted = {"done", "skipped", "during", "next_morning", "hard", "carry_on", "sent", "weekly"}
    assert quoted | {"other"} <= found
    stored = "|".join(re.escape(value) for value in sorted(found, key=len, reverse=True))
    machine = re.compile(rf"\b(?:{stored})\b")
    for row in local_rows:
        for column in ("exercise", "value", "detail"):
            assert not machine.search(row[column]), (column, row)
    statuses = {
        code["status"]: row["value"]
        for row, code in zip(local_rows, codes, strict=True)
        if row["record"] == "session"
    }
    assert set(statuses) == {"done", "skipped"}
    with use_language(language):
        assert statuses["skipped"] == _("skipped")


@pytest.mark.parametrize(
    ("words", "values"),
    [
        (mydata.SESSION_WORDS, SessionStatus),
        (mydata.PAIN_WORDS, PainKind),
        (mydata.STEP_WORDS, OnboardingStep),
        (mydata.MOVE_WORDS, Step),
        (mydata.VOICE_WORDS, [*Voice, *ClinicianReason]),
        (mydata.MOMENT_WORDS, Moment),
        (mydata.PUSH_STATUS_WORDS, PushStatus),
        (mydata.PUSH_KIND_WORDS, PushKind),
        (REASONS, Why),
    ],
)
def test_every_stored_value_has_words_in_the_export(words, values):
    assert {value.value for value in values} <= {str(getattr(key, "value", key)) for key in words}
