"""Draw docs/report-page.png: the /report page of a made-up person (Alex, a year of Mon/Wed/Fri
sessions with scores, effort answers, a red flag, clearances and level changes), stored
through the project's models in a scratch SQLite database and laid out by the real code.

    .venv/bin/python docs/report_page.py [--out DIR]

Writes the 6-, 12- and 26-week reports in English, Russian and Spanish to DIR (default: a
temporary folder) as PDF and PNG, checks each is one page, and copies the English 6-week page
to docs/report-page.png (pdftoppm -png -r 100). The 6-week pages must show everything; the
longer ones say what they leave out.
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
from handlers.media.report import render_report  # noqa: E402
from handlers.report import report_document  # noqa: E402
from handlers.usecases.report import gather_report  # noqa: E402
from storage import safety  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import (  # noqa: E402
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    SessionLog,
    User,
    WeeklyReview,
)

USER_ID = 7001
ZONE = ZoneInfo("Europe/Berlin")
JOINED, TODAY = date(2026, 1, 5), date(2026, 12, 20)
EFFORTS = ("just_right", "easy", "just_right", None, "hard", "just_right", "easy")
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


async def seed(database: Database) -> None:
    async with database.transaction() as db:
        db.add(
            User(
                id=USER_ID,
                chat_id=USER_ID,
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
            if day.weekday() in (0, 2, 4):
                skipped = day in (date(2026, 11, 18), date(2026, 12, 9)) or day.day == 13
                logs.append(
                    {
                        "user_id": USER_ID,
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
                SessionLog.user_id == USER_ID, SessionLog.status == "done"
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
                        "user_id": USER_ID,
                        "session_id": session_id,
                        "kind": kind,
                        "score": score,
                        "recorded_at": when,
                    }
                )
        pain += [
            {
                "user_id": USER_ID,
                "session_id": None,
                "kind": "next_morning",
                "score": 4,
                "recorded_at": at(day, 9),
            }
            for day in (date(2026, 11, 17), date(2026, 12, 1), date(2026, 12, 12))
        ]
        await db.execute(insert(PainCheckin), pain)
        changes = (
            (date(2026, 6, 29), "single_leg_rdl", None, 1, "pain_free"),
            (date(2026, 7, 20), "hip_circles", None, 1, "pain_free"),
            (date(2026, 8, 12), "balance", 1, 2, "pain_free"),
            (date(2026, 9, 2), "hip_bump", 1, 2, "pain_free"),
            (date(2026, 9, 9), "squat_to_surface", 2, 1, "worse_morning"),
            (date(2026, 9, 30), "single_leg_rdl", 1, 2, "pain_free"),
            (date(2026, 10, 26), "squat_to_surface", 1, 2, "pain_free"),
            (date(2026, 10, 26), "hip_circles", 1, 2, "pain_free"),
            (date(2026, 11, 12), "hip_bump", 2, 3, "pain_free"),
            (date(2026, 11, 26), "hip_bump", 3, 2, "too_much_pain"),
            (date(2026, 11, 29), "sumo_squat", None, 1, "pain_free"),
            (date(2026, 12, 3), "reverse_lunge", None, 1, "pain_free"),
            (date(2026, 12, 3), "reverse_lunge", 1, 0, "corrected"),
        )
        for day, exercise, old, new, reason in changes:
            db.add(
                LevelChange(
                    user_id=USER_ID,
                    exercise=exercise,
                    from_level=old,
                    to_level=new,
                    reason=reason,
                    changed_at=at(day, 19),
                )
            )
        for slug, level in LEVELS.items():
            changed = max(day for day, exercise, *_ in changes if exercise == slug)
            db.add(
                ExerciseLevel(
                    user_id=USER_ID, exercise=slug, level=level, changed_at=at(changed, 19)
                )
            )
        for week, barrier in ((date(2026, 11, 16), "time"), (date(2026, 12, 7), "pain")):
            db.add(
                WeeklyReview(
                    user_id=USER_ID,
                    week_start=week,
                    sessions_done=2,
                    sessions_planned=3,
                    barrier=barrier,
                )
            )
        for day, flag in (
            (JOINED, "none"),
            (date(2026, 11, 26), "none"),
            (date(2026, 12, 7), "none"),
            (date(2026, 12, 10), "locking"),
            (date(2026, 12, 10), "calf"),
        ):
            moment = Moment.START if day == JOINED else Moment.LATER
            await safety.record_answer(db, USER_ID, flag, moment, at(day, 19))
        await safety.record_clearance(db, USER_ID, None, at(date(2026, 11, 30), 12))
        await safety.record_clearance(
            db, USER_ID, at(date(2026, 12, 10), 19), at(date(2026, 12, 14), 11)
        )


async def render_all(out: Path) -> list[Path]:
    catalogue = load_catalogue()
    pdfs = []
    with tempfile.TemporaryDirectory() as scratch:
        database = Database.open(f"sqlite+aiosqlite:///{scratch}/report.db")
        await database.upgrade()
        await seed(database)
        for language in ("en", "ru", "es"):
            for weeks in (6, 12, 26):
                with use_language(language):
                    async with database.transaction() as db:
                        user = await db.get(User, USER_ID)
                        assert user is not None
                        data = await gather_report(db, catalogue, user, TODAY, weeks)
                    assert data is not None
                    pdf = render_report(report_document(data, catalogue, weeks))
                reader = PdfReader(io.BytesIO(pdf))
                if len(reader.pages) != 1:
                    raise SystemExit(f"{language} {weeks} weeks: {len(reader.pages)} pages")
                text = reader.pages[0].extract_text()
                if weeks == 6 and "…" in text:
                    raise SystemExit(f"{language} {weeks} weeks: something is cut short")
                left_out = [line for line in text.splitlines() if line.startswith("…")]
                print(f"{language} {weeks:2} weeks: one page", *left_out)
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
            ["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
            check=True,
        )
    shutil.copy(out / "report-en-6.png", ROOT / "docs" / "report-page.png")
    print(f"one page each: {out}/report-{{en,ru,es}}-{{6,12,26}}.{{pdf,png}}")


if __name__ == "__main__":
    main()
