"""The user's own data: /export (everything as one CSV file) and /delete (erase everything
after a confirmation)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from content.catalogue import NONE_OF_THESE, Catalogue, Moment
from content.i18n import DEFAULT_LANGUAGE, N_, _, clock_time, use_language
from content.progression import ClinicianReason, Step, Voice
from content.states import OnboardingStep, PainKind, PushKind, PushStatus, SessionStatus
from handlers.callbacks import DeleteEverything
from handlers.checkins import EFFORT_WORDS
from handlers.common import Attachment, Button, Tap, Turn, turn_handler
from handlers.knee import GAVE_WAY_WORDS
from handlers.safety import hold_event
from handlers.start import keeps_question
from handlers.views import describe_reason
from scheduler.calendar import describe_days
from usecases import people
from usecases.holds import hold_record
from usecases.people import UserRows

CSV_COLUMNS = (
    N_("record"),
    N_("time"),
    N_("date"),
    N_("exercise"),
    N_("level"),
    N_("value"),
    N_("detail"),
    # The values of the row as stored, in English, the same in every language:
    # "status=done;effort=just_right". Added last, so the columns before keep their places.
    N_("code"),
)
# A confirmation button older than this is refused: /delete must be asked for again.
CONFIRM_WITHIN = timedelta(minutes=10)

# The stored values the file shows in words (the code column keeps them as stored).
SESSION_WORDS = {SessionStatus.DONE: N_("done"), SessionStatus.SKIPPED: N_("skipped")}
PAIN_WORDS = {
    PainKind.DURING: N_("during the session"),
    PainKind.NEXT_MORNING: N_("next morning"),
    PainKind.DAY: N_("day score"),
}
STEP_WORDS = {
    OnboardingStep.DISCLAIMER: N_("disclaimer not accepted yet"),
    OnboardingStep.RED_FLAGS: N_("at the warning-sign questions"),
    OnboardingStep.TIMEZONE: N_("setting the schedule"),
    OnboardingStep.DONE: N_("set up"),
}
MOVE_WORDS = {
    Step.UP: N_("up"),
    Step.HOLD: N_("stays"),
    Step.DOWN: N_("down"),
    Step.UNLOCK: N_("opened"),
    Step.UNDO: N_("undone"),
}
VOICE_WORDS = {
    Voice.CARRY_ON.value: N_("carry on"),
    Voice.STOP_TODAY.value: N_("stop for today"),
    Voice.SEE_CLINICIAN.value: N_("see a clinician"),
    ClinicianReason.SEVERE_AT_LOWEST.value: N_(
        "see a clinician: severe pain at the easiest levels"
    ),
    ClinicianReason.SECOND_SEVERE.value: N_("see a clinician: a second severe score"),
    ClinicianReason.REGRESSIONS_IN_A_ROW.value: N_("see a clinician: levels down twice in a row"),
    ClinicianReason.WORST_PAIN.value: N_("see a clinician: pain at its worst"),
    ClinicianReason.MORNINGS_HIGH.value: N_("see a clinician: mornings stay high"),
}
MOMENT_WORDS = {Moment.START: N_("before starting"), Moment.LATER: N_("during the program")}
PUSH_STATUS_WORDS = {
    PushStatus.PENDING: N_("waiting"),
    PushStatus.CLAIMED: N_("being sent"),
    PushStatus.SENDING: N_("being sent"),
    PushStatus.SENT: N_("sent"),
    PushStatus.SKIPPED: N_("not sent: no longer needed"),
    PushStatus.FAILED: N_("not delivered"),
    PushStatus.EXPIRED: N_("not sent: too late"),
    PushStatus.IN_DOUBT: N_("sent, not confirmed"),
    PushStatus.CANCELLED: N_("cancelled"),
}
PUSH_KIND_WORDS = {
    PushKind.REMINDER: N_("training-day reminder"),
    PushKind.SNOOZED: N_("snoozed reminder"),
    PushKind.MORNING_QUESTION: N_("morning question"),
    PushKind.NUDGE: N_("nudge after a missed day"),
    PushKind.WEEKLY: N_("weekly check-in"),
    PushKind.FOLLOWUP: N_("follow-up during a hold"),
}


@turn_handler
@keeps_question
async def export(turn: Turn) -> None:
    """/export: every stored row about the user as a CSV file, times in their time zone."""
    rows = await people.everything_about(turn.db, turn.user)
    filename = f"knee-coach-{turn.today.isoformat()}.csv"
    turn.send_file(
        Attachment(
            "document",
            filename,
            partial(asyncio.to_thread, export_csv, rows, turn.catalogue, turn.user.language),
        ),
        _(
            "📄 Everything I have stored about you, one row per record. Times are in your time "
            "zone; /delete erases it all."
        ),
    )


def export_csv(rows: UserRows, catalogue: Catalogue, language: str = DEFAULT_LANGUAGE) -> bytes:
    """One row per stored record; every time is ISO 8601 with the user's UTC offset. The
    header, the exercise names and the values are in language (the catalogue's, for names,
    levels, warning signs and barriers); the code column has the stored values as they are,
    and the record column the kind of record, both the same in every language."""
    with use_language(language):
        return _export_csv(rows, _Words(catalogue))


def _code(**values: object) -> str:
    """'status=done;effort=just_right': the stored values of a row, the empty ones left out."""
    return ";".join(f"{key}={value}" for key, value in values.items() if value not in (None, ""))


class _Words:
    """Stored values in the current language, by the person's catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def exercise(self, slug: str) -> str:
        found = self.catalogue.get(slug)
        return found.name if found else slug

    def level(self, slug: str, number: int) -> str:
        found = self.catalogue.get(slug)
        if found and 1 <= number <= len(found.levels):
            label = found.level(number).label
            return _("level {number} ({label})").format(number=number, label=label)
        return _("level {number}").format(number=number)

    def reason(self, why: str) -> str:
        return describe_reason(why, self.catalogue)

    def flag(self, key: str) -> str:
        if key == NONE_OF_THESE:
            return self.catalogue.safety.none_button
        found = self.catalogue.safety.flag(key)
        return found.button if found else key

    def barrier(self, key: str | None) -> str:
        found = self.catalogue.barriers.get(key or "")
        return found.label if found else key or ""

    def move(self, move: dict[str, Any]) -> str:
        step = Step(move["step"])
        return _("{exercise}: {step} {old} → {new} ({why})").format(
            exercise=self.exercise(move["exercise"]),
            step=_(MOVE_WORDS[step]),
            old=move["level"],
            new=move["new_level"],
            why=self.reason(move["why"]),
        )


def _word(words: Mapping[Any, str], value: str | None) -> str:
    """A stored value in words (translated); one without words, as stored."""
    if value is None:
        return ""
    return _(words[value]) if value in words else value


def _export_csv(rows: UserRows, words: _Words) -> bytes:
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
    step = user.onboarding_step
    records: list[tuple[object, ...]] = [
        (
            "profile",
            at(user.created_at),
            "",
            "",
            "",
            _word(STEP_WORDS, step),
            profile,
            _code(step=step),
        )
    ]
    records += [
        (
            "session",
            at(log.logged_at),
            day(log.local_date),
            "",
            "",
            _word(SESSION_WORDS, log.status),
            _word(EFFORT_WORDS, log.effort),
            _code(status=log.status, effort=log.effort),
        )
        for log in rows.sessions
    ]
    records += [
        (
            "session_exercise",
            "",
            day(session_days[row.session_id]),
            words.exercise(row.exercise),
            row.level,
            _("done") if row.done else _("not done"),
            "",
            _code(exercise=row.exercise, status="done" if row.done else "not_done"),
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
            _("{kind}; superseded {time}").format(
                kind=_word(PAIN_WORDS, row.kind), time=at(row.superseded_at)
            )
            if row.superseded_at
            else _word(PAIN_WORDS, row.kind),
            _code(kind=row.kind),
        )
        for row in rows.pain
    ]
    records += [
        (
            "level",
            at(row.changed_at),
            "",
            words.exercise(row.exercise),
            row.level,
            "",
            "",
            _code(exercise=row.exercise),
        )
        for row in rows.levels
    ]
    records += [
        (
            "level_change",
            at(row.changed_at),
            "",
            words.exercise(row.exercise),
            row.to_level,
            f"{'' if row.from_level is None else row.from_level} → {row.to_level}",
            (
                _("opened at {level}").format(level=words.level(row.exercise, row.to_level))
                if row.from_level is None
                else _("from {old} to {new}").format(
                    old=words.level(row.exercise, row.from_level),
                    new=words.level(row.exercise, row.to_level),
                )
            )
            + "; "
            + _("reason: {reason}").format(reason=words.reason(row.reason)),
            _code(exercise=row.exercise, reason=row.reason),
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
            "",
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
            _word(VOICE_WORDS, row.clinician or row.voice),
            _review_text(
                words, row.moves, row.levels_before, row.steps_before, row.last_unlock_before
            ),
            ";".join(
                [
                    _code(voice=row.voice, clinician=row.clinician),
                    *(_move_code(move) for move in row.moves),
                ]
            ),
        )
        for row in rows.reviews
    ]
    records += [
        (
            "red_flag",
            at(row.answered_at),
            "",
            "",
            "",
            words.flag(row.flag),
            _word(MOMENT_WORDS, row.moment),
            _code(flag=row.flag, moment=row.moment),
        )
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
            "",
        )
        for row in rows.clearances
    ]
    taps = [(row.flag, row.answered_at) for row in rows.red_flags]
    zone_name = rows.user.timezone
    for hold in rows.holds:
        what, how = hold_event(
            words.catalogue, hold_record(hold, taps, words.catalogue.safety, zone_name)
        )
        records.append(
            (
                "hold",
                at(hold.started_at),
                "",
                "",
                "",
                what,
                how + (f" ({at(hold.ended_at)})" if hold.ended_at else ""),
                _code(kind=hold.kind, reason=hold.reason, ended_by=hold.ended_by),
            )
        )
    records += [
        (
            "knee_event",
            at(event.recorded_at),
            "",
            "",
            "",
            _("Knee gave way"),
            _(GAVE_WAY_WORDS[event.answer]),
            _code(kind=event.kind, answer=event.answer),
        )
        for event in rows.knee_events
    ]
    records += [
        (
            "weekly_review",
            at(row.answered_at),
            day(row.week_start),
            "",
            "",
            _("{done} of {planned}").format(done=row.sessions_done, planned=row.sessions_planned),
            words.barrier(row.barrier),
            _code(barrier=row.barrier),
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
            _word(PUSH_STATUS_WORDS, row.status),
            _word(PUSH_KIND_WORDS, row.kind),
            _code(status=row.status, kind=row.kind),
        )
        for row in rows.pushes
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_(column) for column in CSV_COLUMNS])
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


def _move_code(move: dict[str, Any]) -> str:
    """'move=balance/up/2/3/pain_free': one move of a session review as stored."""
    parts = (move["exercise"], move["step"], move["level"], move["new_level"], move["why"])
    return "move=" + "/".join(map(str, parts))


def _review_text(
    words: _Words,
    moves: list[dict[str, Any]],
    levels: dict[str, int],
    since: dict[str, str],
    last_unlock: date | None,
) -> str:
    """A session review's moves ('Hip bump: up 2 → 3 (…)') and the state before it."""
    made = "; ".join(words.move(move) for move in moves)
    before = ", ".join(
        _("{exercise} {level} since {day}").format(
            exercise=words.exercise(slug), level=level, day=since.get(slug, "?")
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
        [
            [
                (_("🗑 Yes, delete everything"), DeleteEverything(stamp).data()),
                (_("Keep my data"), "keep"),
            ]
        ],
    )


async def confirm_delete(turn: Turn, pressed: DeleteEverything) -> None:
    """Erase the user and all their data, if the confirmation is still fresh."""
    asked = datetime.fromtimestamp(pressed.asked, tz=turn.now.tzinfo)
    if not timedelta(0) <= turn.now - asked <= CONFIRM_WITHIN:
        turn.toast = _("That button has expired. Send /delete again.")
        return
    await people.erase(turn.db, turn.user)
    turn.toast = _("Deleted")
    turn.edit(
        _(
            "🗑 Done: everything about you is erased, and I won't message you again. "
            "If you ever want to start over, send /start."
        )
    )


async def keep(turn: Turn) -> None:
    """ "Keep my data": nothing is deleted."""
    turn.edit(_("Nothing was deleted. Your program carries on."))


BUTTONS = (
    Button(DeleteEverything, confirm_delete),
    Tap("keep", keep),
)
