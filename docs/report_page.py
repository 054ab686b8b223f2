"""Draw docs/report-page.png: the /report page of a made-up person (Alex, a year of Mon/Wed/Fri
sessions with scores, effort answers, skips, day scores, pauses, a red-flag hold and its
clearance, and many level changes), stored through the project's models in a scratch SQLite
database and laid out by the real code.

    .venv/bin/python docs/report_page.py [--out DIR]

Writes the 6-, 12- and 26-week reports in English, Russian and Spanish to DIR (default: a
temporary folder) as PDF and a PNG per page (pdftoppm -png -r 100), checks nothing is cut
short, and copies the English 6-week page to docs/report-page.png. The 6-week reports fit one
page or go on to a second; the 26-week ones have more level changes than one page holds.
tests/test_files_read_right.py reads the same reports back through the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from content.catalogue import Moment, load_catalogue  # noqa: E402
from content.i18n import use_language  # noqa: E402
from content.states import GaveWayAnswer, HoldEnd, HoldKind, KneeEventKind  # noqa: E402
from handlers.report import report_document  # noqa: E402
from media.report import render_report  # noqa: E402
from storage import safety  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import (  # noqa: E402
    ExerciseLevel,
    Hold,
    KneeEvent,
    LevelChange,
    PainCheckin,
    PausePeriod,
    SessionLog,
    User,
    WeeklyReview,
)
from usecases.report import gather_report  # noqa: E402

USER_ID = 7001
ZONE = ZoneInfo("Europe/Berlin")
JOINED, TODAY = date(2026, 1, 5), date(2026, 12, 20)
EFFORTS = ("just_right", "easy", "just_right", None, "hard", "just_right", "easy")
# A summer holiday and a flare-up week paused; two warning signs tapped on 10 December held
# the program until a clinician cleared the person on the 14th.
PAUSES = ((date(2026, 8, 3), date(2026, 8, 16)), (date(2026, 11, 14), date(2026, 11, 22)))
HELD = (date(2026, 12, 10), date(2026, 12, 14))
# Two sessions too painful in a row: a review hold, ended by carrying on at the easiest levels.
REVIEWED = (date(2026, 10, 5), date(2026, 10, 7))
REVIEW_HELD = (REVIEWED[1], REVIEWED[1] + timedelta(days=3))
SKIPPED = (date(2026, 11, 25), date(2026, 12, 9))  # and every 13th that is a training day
# Scores given outside a session: two on 12 December (the later one is that day's score).
DAY_SCORES = (
    (date(2026, 11, 17), 9, 4),
    (date(2026, 12, 8), 9, 4),
    (date(2026, 12, 12), 9, 3),
    (date(2026, 12, 12), 20, 6),
)
CHANGES = (
    (date(2026, 6, 29), "single_leg_rdl", None, 1, "pain_free"),
    (date(2026, 7, 6), "hip_bump", 1, 2, "pain_free"),
    (date(2026, 7, 13), "hip_bump", 2, 1, "too_much_pain"),
    (date(2026, 7, 20), "hip_circles", None, 1, "pain_free"),
    (date(2026, 7, 27), "squat_to_surface", 1, 2, "pain_free"),
    (date(2026, 8, 26), "balance", 1, 2, "pain_free"),
    (date(2026, 9, 2), "hip_bump", 1, 2, "pain_free"),
    (date(2026, 9, 9), "squat_to_surface", 2, 1, "worse_morning"),
    (date(2026, 9, 16), "balance", 2, 3, "pain_free"),
    (date(2026, 9, 23), "balance", 3, 2, "high_morning"),
    (date(2026, 9, 30), "single_leg_rdl", 1, 2, "pain_free"),
    (date(2026, 10, 12), "single_leg_rdl", 2, 3, "pain_free"),
    (date(2026, 10, 14), "single_leg_rdl", 3, 2, "severe_pain"),
    (date(2026, 10, 26), "squat_to_surface", 1, 2, "pain_free"),
    (date(2026, 10, 26), "hip_circles", 1, 2, "pain_free"),
    (date(2026, 11, 11), "squat_to_surface", 2, 3, "pain_free"),
    (date(2026, 11, 12), "hip_bump", 2, 3, "pain_free"),
    (date(2026, 11, 23), "squat_to_surface", 3, 2, "worse_morning"),
    (date(2026, 11, 26), "hip_bump", 3, 2, "too_much_pain"),
    (date(2026, 11, 29), "sumo_squat", None, 1, "pain_free"),
    (date(2026, 12, 3), "reverse_lunge", None, 1, "pain_free"),
    (date(2026, 12, 3), "reverse_lunge", 1, 0, "corrected"),
)
LEVELS = {
    "balance": 2,
    "single_leg_rdl": 2,
    "hip_bump": 2,
    "hip_circles": 2,
    "squat_to_surface": 2,
    "sumo_squat": 1,
}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


def trains(day: date) -> bool:
    """A Monday, Wednesday or Friday neither paused nor held (a session after the clearance,
    which came in the morning, counts)."""
    quiet = [*PAUSES, (HELD[0], HELD[1] - timedelta(days=1))]
    return day.weekday() in (0, 2, 4) and not any(first <= day <= last for first, last in quiet)


async def seed(database: Database, user_id: int = USER_ID) -> None:
    """Alex's year, through the project's models: sessions (some skipped) with both scores
    and most with an effort answer, day scores, level changes, weekly check-ins, pauses,
    warning signs with the hold they started, and clearances."""
    async with database.transaction() as db:
        db.add(
            User(
                id=user_id,
                chat_id=user_id,
                first_name="Alex",
                timezone="Europe/Berlin",
                training_days="0,2,4",
                reminder_time=time(18),
                onboarding_step="done",
                created_at=at(JOINED, 9),
            )
        )
        await db.flush()
        logs = []
        day = JOINED
        while day <= TODAY:
            if trains(day):
                skipped = day in SKIPPED or day.day == 13
                logs.append(
                    {
                        "user_id": user_id,
                        "local_date": day,
                        "status": "skipped" if skipped else "done",
                        "logged_at": at(day, 18, 30),
                        "effort": None if skipped else EFFORTS[len(logs) % len(EFFORTS)],
                    }
                )
            day += timedelta(days=1)
        await db.execute(insert(SessionLog), logs)
        sessions = await db.execute(
            select(SessionLog.id, SessionLog.local_date).where(
                SessionLog.user_id == user_id, SessionLog.status == "done"
            )
        )
        pain = []
        for session_id, day in sessions:
            during = 0 if day == date(2026, 12, 7) else 4 + day.toordinal() % 3
            for kind, score, when in (
                ("during", during, at(day, 18, 40)),
                ("next_morning", 2, at(day + timedelta(days=1), 8)),
            ):
                pain.append(
                    {
                        "user_id": user_id,
                        "session_id": session_id,
                        "kind": kind,
                        "score": score,
                        "recorded_at": when,
                    }
                )
        pain += [
            {
                "user_id": user_id,
                "session_id": None,
                "kind": "day",
                "score": score,
                "recorded_at": at(day, hour),
            }
            for day, hour, score in DAY_SCORES
        ]
        await db.execute(insert(PainCheckin), pain)
        for day, exercise, old, new, reason in CHANGES:
            db.add(
                LevelChange(
                    user_id=user_id,
                    exercise=exercise,
                    from_level=old,
                    to_level=new,
                    reason=reason,
                    changed_at=at(day, 19),
                )
            )
        for slug, level in LEVELS.items():
            changed = max(day for day, exercise, *_ in CHANGES if exercise == slug)
            db.add(
                ExerciseLevel(
                    user_id=user_id, exercise=slug, level=level, changed_at=at(changed, 19)
                )
            )
        for week, barrier in ((date(2026, 11, 23), "time"), (date(2026, 12, 7), "pain")):
            db.add(
                WeeklyReview(
                    user_id=user_id,
                    week_start=week,
                    sessions_done=2,
                    sessions_planned=3,
                    barrier=barrier,
                )
            )
        for first, last in PAUSES:
            db.add(
                PausePeriod(
                    user_id=user_id,
                    started_at=at(first - timedelta(days=1), 20),
                    ended_at=at(last, 9),
                )
            )
        for day, flag in (
            (JOINED, "none"),
            (date(2026, 11, 26), "none"),
            (date(2026, 12, 7), "none"),
            (HELD[0], "locking"),
            (HELD[0], "calf"),
        ):
            moment = Moment.START if day == JOINED else Moment.LATER
            await safety.record_answer(db, user_id, flag, moment, at(day, 19))
        await safety.record_clearance(db, user_id, None, at(date(2026, 11, 30), 12))
        db.add(
            Hold(
                user_id=user_id,
                kind=HoldKind.RED_FLAG,
                started_at=at(HELD[0], 19),
                ended_at=at(HELD[1], 11),
                ended_by=HoldEnd.CLEARED,
            )
        )
        await safety.record_clearance(db, user_id, at(HELD[0], 19), at(HELD[1], 11))
        db.add(
            Hold(
                user_id=user_id,
                kind=HoldKind.REVIEW,
                reason="regressions_in_a_row",
                evidence=[
                    {"day": REVIEWED[0].isoformat(), "during": 6, "morning": 4},
                    {"day": REVIEWED[1].isoformat(), "during": 7, "morning": None},
                ],
                started_at=at(REVIEW_HELD[0], 19),
                ended_at=at(REVIEW_HELD[1], 18),
                ended_by=HoldEnd.EASIEST,
            )
        )
        db.add(
            KneeEvent(
                user_id=user_id,
                kind=KneeEventKind.GAVE_WAY,
                answer=GaveWayAnswer.NEITHER,
                recorded_at=at(REVIEWED[1] + timedelta(days=5), 9),
            )
        )


async def render_all(out: Path) -> list[Path]:
    pdfs = []
    with tempfile.TemporaryDirectory() as scratch:
        database = Database.open(f"sqlite+aiosqlite:///{scratch}/report.db")
        await database.upgrade()
        await seed(database)
        for language in ("en", "ru", "es"):
            catalogue = load_catalogue(language=language)  # the names in the person's words
            for weeks in (6, 12, 26):
                with use_language(language):
                    async with database.transaction() as db:
                        user = await db.get(User, USER_ID)
                        assert user is not None
                        data = await gather_report(db, catalogue, user, TODAY, weeks)
                    assert data is not None
                    pdf = render_report(report_document(data, catalogue))
                reader = PdfReader(io.BytesIO(pdf))
                text = "".join(page.extract_text() for page in reader.pages)
                if "…" in text:
                    raise SystemExit(f"{language} {weeks} weeks: something is cut short")
                print(f"{language} {weeks:2} weeks: {len(reader.pages)} page(s)")
                path = out / f"report-{language}-{weeks}.pdf"
                path.write_bytes(pdf)
                pdfs.append(path)
        await database.dispose()
    return pdfs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="report-page-"))
    out.mkdir(parents=True, exist_ok=True)
    for pdf in asyncio.run(render_all(out)):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", str(pdf), str(pdf.with_suffix(""))], check=True
        )
    shutil.copy(out / "report-en-6-1.png", ROOT / "docs" / "report-page.png")
    print(f"every page: {out}/report-{{en,ru,es}}-{{6,12,26}}-N.{{pdf,png}}")


if __name__ == "__main__":
    main()
