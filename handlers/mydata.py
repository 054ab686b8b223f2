"""The user's own data: /export (everything as one CSV file) and /delete (erase everything
after a confirmation)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from content.i18n import DEFAULT_LANGUAGE, N_, _, clock_time, use_language
from handlers.common import Attachment, Button, Turn, turn_handler
from handlers.start import keeps_question
from scheduler.calendar import describe_days
from storage import people

CSV_COLUMNS = (
    N_("record"),
    N_("time"),
    N_("date"),
    N_("exercise"),
    N_("level"),
    N_("value"),
    N_("detail"),
)
# A confirmation button older than this is refused: /delete must be asked for again.
CONFIRM_WITHIN = timedelta(minutes=10)


@turn_handler
@keeps_question
async def export(turn: Turn) -> None:
    """/export: every stored row about the user as a CSV file, times in their time zone."""
    rows = await people.rows_of_user(turn.db, turn.user)
    filename = f"knee-coach-{turn.today.isoformat()}.csv"
    labels = {
        (exercise.slug, number): level.label
        for exercise in turn.catalogue.exercises
        for number, level in enumerate(exercise.levels, start=1)
    }
    turn.send_file(
        Attachment(
            "document",
            filename,
            partial(asyncio.to_thread, export_csv, rows, labels, turn.user.language),
        ),
        _(
            "📄 Everything I have stored about you, one row per record. Times are in your time "
            "zone; /delete erases it all."
        ),
    )


def export_csv(
    rows: people.UserRows,
    labels: dict[tuple[str, int], str] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """One row per stored record; every time is ISO 8601 with the user's UTC offset. labels:
    (exercise, level number) → the level's name, for level changes. The header and the
    sentences are in language; record kinds and stored codes stay as they are stored."""
    with use_language(language):
        return _export_csv(rows, labels or {})


def _export_csv(rows: people.UserRows, labels: dict[tuple[str, int], str]) -> bytes:
    zone = ZoneInfo(rows.user.timezone)

    def at(instant: datetime | None) -> str:
        return instant.astimezone(zone).isoformat(timespec="seconds") if instant else ""

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    user = rows.user
    profile = _(
        "time zone {zone}; training days {days}; reminder {reminder}; morning check "
        "{morning}; paused {paused}; on hold since {flag}"
    ).format(
        zone=user.timezone,
        days=describe_days(user.weekdays),
        reminder=clock_time(user.reminder_time),
        morning=clock_time(user.morning_time),
        paused=_("yes") if user.paused else _("no"),
        flag=at(user.held_since) or _("no"),
    )
    session_days = {log.id: log.local_date for log in rows.sessions}
    records: list[tuple[object, ...]] = [
        ("profile", at(user.created_at), "", "", "", user.onboarding_step, profile)
    ]
    records += [
        ("session", at(log.logged_at), day(log.local_date), "", "", log.status, log.effort or "")
        for log in rows.sessions
    ]
    records += [
        (
            "session_exercise",
            "",
            day(session_days[row.session_id]),
            row.exercise,
            row.level,
            _("done") if row.done else _("not done"),
            "",
        )
        for row in rows.session_exercises
    ]
    records += [
        (
            "pain",
            at(row.recorded_at),
            day(session_days.get(row.session_id or 0))
            or row.recorded_at.astimezone(zone).date().isoformat(),
            "",
            "",
            row.score,
            # A corrected score stays, marked with when it was superseded.
            _("{kind}; superseded {time}").format(kind=row.kind, time=at(row.superseded_at))
            if row.superseded_at
            else row.kind,
        )
        for row in rows.pain
    ]
    records += [
        ("level", at(row.changed_at), "", row.exercise, row.level, "", "") for row in rows.levels
    ]

    def level(exercise: str, number: int) -> str:
        label = labels.get((exercise, number))
        if label:
            return _("level {number} ({label})").format(number=number, label=label)
        return _("level {number}").format(number=number)

    records += [
        (
            "level_change",
            at(row.changed_at),
            "",
            row.exercise,
            row.to_level,
            f"{'' if row.from_level is None else row.from_level} → {row.to_level}",
            (
                _("opened at {level}").format(level=level(row.exercise, row.to_level))
                if row.from_level is None
                else _("from {old} to {new}").format(
                    old=level(row.exercise, row.from_level), new=level(row.exercise, row.to_level)
                )
            )
            + "; "
            + _("reason: {reason}").format(reason=row.reason),
        )
        for row in rows.level_changes
    ]
    records += [
        (
            "pause",
            at(row.started_at),
            "",
            "",
            "",
            _("paused"),
            _("until {end}").format(end=at(row.ended_at) or _("now")),
        )
        for row in rows.pauses
    ]
    records += [
        (
            "session_review",
            at(row.reviewed_at),
            day(session_days.get(row.session_id)),
            "",
            "",
            row.clinician or row.voice,
            _review_text(row.moves, row.levels_before, row.steps_before, row.last_unlock_before),
        )
        for row in rows.reviews
    ]
    records += [
        ("red_flag", at(row.answered_at), "", "", "", row.flag, row.moment)
        for row in rows.red_flags
    ]
    records += [
        (
            "clearance",
            at(row.cleared_at),
            "",
            "",
            "",
            "",
            _("hold since {start}").format(start=at(row.held_since)) if row.held_since else "",
        )
        for row in rows.clearances
    ]
    records += [
        (
            "weekly_review",
            at(row.answered_at),
            day(row.week_start),
            "",
            "",
            _("{done} of {planned}").format(done=row.sessions_done, planned=row.sessions_planned),
            row.barrier or "",
        )
        for row in rows.weekly_reviews
    ]
    records += [
        (
            "reminder",
            at(row.sent_at or row.due_at),
            day(row.local_date),
            "",
            "",
            row.status,
            row.kind,
        )
        for row in rows.pushes
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_(column) for column in CSV_COLUMNS])
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


def _review_text(
    moves: list[dict[str, Any]],
    levels: dict[str, int],
    since: dict[str, str],
    last_unlock: date | None,
) -> str:
    """A session review's moves ('balance up 2>3 (pain_free)') and the state before it."""
    made = "; ".join(
        f"{move['exercise']} {move['step']} {move['level']}>{move['new_level']} ({move['why']})"
        for move in moves
    )
    before = ", ".join(
        _("{exercise} {level} since {day}").format(
            exercise=slug, level=level, day=since.get(slug, "?")
        )
        for slug, level in levels.items()
    )
    none = _("none")
    return _("moves: {moves} | before: {before}; last opening {opened}").format(
        moves=made or none,
        before=before,
        opened=last_unlock.isoformat() if last_unlock else none,
    )


@turn_handler
async def delete(turn: Turn) -> None:
    """/delete: ask for confirmation; the button is valid for CONFIRM_WITHIN."""
    stamp = int(turn.now.timestamp())
    turn.say(
        _(
            "This erases everything I have stored about you: your sessions, pain scores, "
            "levels, schedule and reminders. It cannot be undone. (/export first if you want "
            "a copy.)"
        ),
        [[(_("🗑 Yes, delete everything"), f"delete:{stamp}"), (_("Keep my data"), "keep")]],
    )


async def confirm_delete(turn: Turn, args: tuple[str, ...]) -> None:
    """Erase the user and all their data, if the confirmation is still fresh."""
    asked = datetime.fromtimestamp(int(args[0]), tz=turn.now.tzinfo)
    if not timedelta(0) <= turn.now - asked <= CONFIRM_WITHIN:
        turn.toast = _("That button has expired. Send /delete again.")
        return
    await people.delete_user(turn.db, turn.user)
    turn.toast = _("Deleted")
    turn.edit(
        _(
            "🗑 Done: everything about you is erased, and I won't message you again. "
            "If you ever want to start over, send /start."
        )
    )


async def keep(turn: Turn, _args: tuple[str, ...]) -> None:
    """ "Keep my data": nothing is deleted."""
    turn.edit(_("Nothing was deleted. Your program carries on."))


BUTTONS = (
    Button("delete", confirm_delete, r"(\d{1,10})"),  # a Unix time before the year 2286
    Button("keep", keep),
)
