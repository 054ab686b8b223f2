"""The user's own data: /export (everything as one CSV file) and /delete (erase everything
after a confirmation)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from content.catalogue import NONE_OF_THESE, Catalogue, Moment
from content.i18n import N_, _, clock_time, use_language
from content.progression import ClinicianReason, Step, Voice
from content.states import (
    LinkEnd,
    OnboardingStep,
    PainKind,
    PushKind,
    PushStatus,
    SessionStatus,
)
from handlers.callbacks import DeleteEverything
from handlers.checkins import EFFORT_WORDS
from handlers.common import Attachment, Button, Tap, Turn, turn_handler
from handlers.knee import GAVE_WAY_WORDS
from handlers.safety import hold_event
from handlers.start import keeps_question
from handlers.views import describe_reason
from scheduler.calendar import describe_days
from usecases import clinicians, people
from usecases.holds import hold_record
from usecases.people import (
    CareLink,
    CareMessage,
    Clearance,
    Database,
    ExerciseLevel,
    Hold,
    KneeEvent,
    LevelChange,
    PainCheckin,
    PausePeriod,
    PsfsActivity,
    PsfsRating,
    Push,
    RedFlagAnswer,
    SessionExercise,
    SessionLog,
    SessionReview,
    User,
    UserRows,
    WeeklyReview,
)

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
LINK_END_WORDS = {
    LinkEnd.PATIENT: N_("you stopped sharing"),
    LinkEnd.REMOVED: N_("the clinician left the practice's list"),
    LinkEnd.DELETED: N_("you erased your data"),
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
    """/export: every stored row about the user as a CSV file, times in their time zone. The
    rows are read once the turn has committed, in batches, while the file is sent: a long
    history does not hold up other people's updates."""
    filename = f"knee-coach-{turn.today.isoformat()}.csv"
    turn.send_file(
        Attachment(
            "document",
            filename,
            partial(export_file, turn.services.database, turn.user, turn.catalogue),
        ),
        _(
            "📄 Everything I have stored about you, one row per record. Times are in your time "
            "zone; /delete erases it all."
        ),
    )


async def export_file(database: Database, user: User, catalogue: Catalogue) -> bytes:
    """The person's CSV file, in their language."""
    async with people.everything_about(database, user) as rows:
        with use_language(user.language):
            return await export_csv(rows, catalogue)


async def export_csv(rows: UserRows, catalogue: Catalogue) -> bytes:
    """One row per stored record; every time is ISO 8601 with the user's UTC offset. The
    header, the exercise names and the values are in the current language (the catalogue's,
    for names, levels, warning signs and barriers); the code column has the stored values as
    they are, and the record column the kind of record, both the same in every language."""
    sheet = _Sheet(catalogue, rows.user.timezone)
    sheet.add([[_(column) for column in CSV_COLUMNS], _profile_record(rows.user, sheet)])
    async for sessions in rows.sessions():
        sheet.session_days.update((log.id, log.local_date) for log in sessions)
        sheet.add(_session_record(log, sheet) for log in sessions)
    await sheet.write(rows.session_exercises(), _exercise_record)
    await sheet.write(rows.pain(), _pain_record)
    await sheet.write(rows.levels(), _level_record)
    await sheet.write(rows.level_changes(), _level_change_record)
    await sheet.write(rows.pauses(), _pause_record)
    await sheet.write(rows.reviews(), _review_record)
    async for answers in rows.red_flags():
        sheet.taps.extend((row.flag, row.answered_at) for row in answers)
        sheet.add(_red_flag_record(row, sheet) for row in answers)
    await sheet.write(rows.clearances(), _clearance_record)
    await sheet.write(rows.holds(), _hold_row)
    await sheet.write(rows.knee_events(), _knee_event_record)
    async for activities in rows.psfs_activities():
        sheet.activities.update((row.id, row.name) for row in activities)
        sheet.add(_psfs_activity_record(row, sheet) for row in activities)
    await sheet.write(rows.psfs_ratings(), _psfs_rating_record)
    await sheet.write(rows.weekly_reviews(), _weekly_review_record)
    await sheet.write(rows.pushes(), _reminder_record)
    await sheet.write(rows.care_links(), _care_link_record)
    await sheet.write(rows.care_messages(), _care_message_record)
    return sheet.text().encode("utf-8")


class Record(NamedTuple):
    """One row of the file, in the order of CSV_COLUMNS."""

    record: str
    time: str = ""
    date: str = ""
    exercise: str = ""
    level: int | str = ""
    value: int | str = ""
    detail: str = ""
    code: str = ""


Stored = TypeVar("Stored")


class _Sheet:
    """The file being written, and the stored values in the current language, by the person's
    catalogue and time zone. Remembers what later records refer to: the day of each session
    and the warning signs tapped (a hold's urgency)."""

    def __init__(self, catalogue: Catalogue, zone: str) -> None:
        self.catalogue = catalogue
        self.zone_name = zone
        self.zone = ZoneInfo(zone)
        self.session_days: dict[int, date] = {}
        self.taps: list[tuple[str, datetime]] = []
        self.activities: dict[int, str] = {}  # the functional scale's, by id
        self._buffer = io.StringIO()
        self._lines = csv.writer(self._buffer)

    def add(self, records: Iterable[Sequence[object]]) -> None:
        self._lines.writerows(records)

    async def write(
        self,
        batches: AsyncIterator[Sequence[Stored]],
        record: Callable[[Stored, _Sheet], Record],
    ) -> None:
        """A record for each stored row, a batch at a time."""
        async for batch in batches:
            self.add(record(row, self) for row in batch)

    def text(self) -> str:
        return self._buffer.getvalue()

    def at(self, instant: datetime | None) -> str:
        return instant.astimezone(self.zone).isoformat(timespec="seconds") if instant else ""

    def session_day(self, session_id: int | None) -> str:
        return _day(self.session_days.get(session_id or 0))

    def exercise(self, slug: str) -> str:
        found = self.catalogue.get(slug)
        return found.name if found else slug

    def level(self, slug: str, number: int) -> str:
        found = self.catalogue.get(slug)
        if found and 1 <= number <= len(found.levels):
            label = found.level(number).label
            return _("level {number} ({label})").format(number=number, label=label)
        return _("level {number}").format(number=number)

    def reason(self, why: str, by: str | None = None) -> str:
        return describe_reason(why, self.catalogue, by)

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


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _code(**values: object) -> str:
    """'status=done;effort=just_right': the stored values of a row, the empty ones left out."""
    return ";".join(f"{key}={value}" for key, value in values.items() if value not in (None, ""))


def _word(words: Mapping[Any, str], value: str | None) -> str:
    """A stored value in words (translated); one without words, as stored."""
    if value is None:
        return ""
    return _(words[value]) if value in words else value


def _profile_record(user: User, sheet: _Sheet) -> Record:
    """The person's settings and where their setup stands."""
    profile = _(
        "time zone {zone}; training days {days}; reminder {reminder}; morning check "
        "{morning}; paused {paused}; on hold since {flag}"
    ).format(
        zone=user.timezone,
        days=describe_days(user.weekdays),
        reminder=clock_time(user.reminder_time),
        morning=clock_time(user.morning_time),
        paused=_("yes") if user.paused else _("no"),
        flag=sheet.at(user.held_since) or _("no"),
    )
    step = user.onboarding_step
    value = _word(STEP_WORDS, step)
    return Record(
        "profile", sheet.at(user.created_at), value=value, detail=profile, code=_code(step=step)
    )


def _session_record(log: SessionLog, sheet: _Sheet) -> Record:
    return Record(
        "session",
        sheet.at(log.logged_at),
        _day(log.local_date),
        value=_word(SESSION_WORDS, log.status),
        detail=_word(EFFORT_WORDS, log.effort),
        code=_code(status=log.status, effort=log.effort),
    )


def _exercise_record(row: SessionExercise, sheet: _Sheet) -> Record:
    """An exercise of a session, at its level then."""
    status = "done" if row.done else "not_done"
    return Record(
        "session_exercise",
        date=sheet.session_day(row.session_id),
        exercise=sheet.exercise(row.exercise),
        level=row.level,
        value=_("done") if row.done else _("not done"),
        code=_code(exercise=row.exercise, status=status),
    )


def _pain_record(row: PainCheckin, sheet: _Sheet) -> Record:
    """A score; a corrected one stays, marked with when it was superseded."""
    kind = _word(PAIN_WORDS, row.kind)
    detail = kind
    if row.superseded_at:
        detail = _("{kind}; superseded {time}").format(kind=kind, time=sheet.at(row.superseded_at))
    return Record(
        "pain",
        sheet.at(row.recorded_at),
        sheet.session_day(row.session_id)
        or row.recorded_at.astimezone(sheet.zone).date().isoformat(),
        value=row.score,
        detail=detail,
        code=_code(kind=row.kind),
    )


def _level_record(row: ExerciseLevel, sheet: _Sheet) -> Record:
    return Record(
        "level",
        sheet.at(row.changed_at),
        exercise=sheet.exercise(row.exercise),
        level=row.level,
        code=_code(exercise=row.exercise),
    )


def _level_change_record(row: LevelChange, sheet: _Sheet) -> Record:
    """An opening or a step, the old and new level named, and why."""
    if row.from_level is None:
        change = _("opened at {level}").format(level=sheet.level(row.exercise, row.to_level))
    else:
        change = _("from {old} to {new}").format(
            old=sheet.level(row.exercise, row.from_level),
            new=sheet.level(row.exercise, row.to_level),
        )
    by = row.clinician.name if row.clinician else None
    why = _("reason: {reason}").format(reason=sheet.reason(row.reason, by))
    return Record(
        "level_change",
        sheet.at(row.changed_at),
        exercise=sheet.exercise(row.exercise),
        level=row.to_level,
        value=f"{'' if row.from_level is None else row.from_level} → {row.to_level}",
        detail=f"{change}; {why}",
        code=_code(exercise=row.exercise, reason=row.reason),
    )


def _pause_record(row: PausePeriod, sheet: _Sheet) -> Record:
    return Record(
        "pause",
        sheet.at(row.started_at),
        value=_("paused"),
        detail=_("until {end}").format(end=sheet.at(row.ended_at) or _("now")),
    )


def _review_record(row: SessionReview, sheet: _Sheet) -> Record:
    """What the review of a session decided, its moves and the state before it."""
    moves = "; ".join(sheet.move(move) for move in row.moves)
    before = ", ".join(
        _("{exercise} {level} since {day}").format(
            exercise=sheet.exercise(slug), level=level, day=row.steps_before.get(slug, "?")
        )
        for slug, level in row.levels_before.items()
    )
    none = _("none")
    detail = _("moves: {moves} | before: {before}; last opening {opened}").format(
        moves=moves or none, before=before, opened=_day(row.last_unlock_before) or none
    )
    codes = [_code(voice=row.voice, clinician=row.clinician), *map(_move_code, row.moves)]
    return Record(
        "session_review",
        sheet.at(row.reviewed_at),
        sheet.session_day(row.session_id),
        value=_word(VOICE_WORDS, row.clinician or row.voice),
        detail=detail,
        code=";".join(codes),
    )


def _move_code(move: dict[str, Any]) -> str:
    """'move=balance/up/2/3/pain_free': one move of a session review as stored."""
    parts = (move["exercise"], move["step"], move["level"], move["new_level"], move["why"])
    return "move=" + "/".join(map(str, parts))


def _red_flag_record(row: RedFlagAnswer, sheet: _Sheet) -> Record:
    return Record(
        "red_flag",
        sheet.at(row.answered_at),
        value=sheet.flag(row.flag),
        detail=_word(MOMENT_WORDS, row.moment),
        code=_code(flag=row.flag, moment=row.moment),
    )


def _clearance_record(row: Clearance, sheet: _Sheet) -> Record:
    since = _("hold since {start}").format(start=sheet.at(row.held_since))
    return Record("clearance", sheet.at(row.cleared_at), detail=since if row.held_since else "")


def _hold_row(hold: Hold, sheet: _Sheet) -> Record:
    """A hold in words (handlers.safety.hold_event), with when it ended."""
    record = hold_record(hold, sheet.taps, sheet.catalogue.safety, sheet.zone_name)
    what, how = hold_event(sheet.catalogue, record)
    return Record(
        "hold",
        sheet.at(hold.started_at),
        value=what,
        detail=how + (f" ({sheet.at(hold.ended_at)})" if hold.ended_at else ""),
        code=_code(kind=hold.kind, reason=hold.reason, ended_by=hold.ended_by),
    )


def _knee_event_record(event: KneeEvent, sheet: _Sheet) -> Record:
    return Record(
        "knee_event",
        sheet.at(event.recorded_at),
        value=_("Knee gave way"),
        detail=_(GAVE_WAY_WORDS[event.answer]),
        code=_code(kind=event.kind, answer=event.answer),
    )


def _psfs_activity_record(row: PsfsActivity, sheet: _Sheet) -> Record:
    return Record(
        "psfs_activity",
        sheet.at(row.added_at),
        value=row.name,
        detail=_("An activity the knee makes hard"),
    )


def _psfs_rating_record(row: PsfsRating, sheet: _Sheet) -> Record:
    return Record(
        "psfs_rating",
        sheet.at(row.recorded_at),
        row.round_day.isoformat(),
        value=row.score,
        detail=sheet.activities.get(row.activity_id, ""),
    )


def _weekly_review_record(row: WeeklyReview, sheet: _Sheet) -> Record:
    done = _("{done} of {planned}").format(done=row.sessions_done, planned=row.sessions_planned)
    return Record(
        "weekly_review",
        sheet.at(row.answered_at),
        _day(row.week_start),
        value=done,
        detail=sheet.barrier(row.barrier),
        code=_code(barrier=row.barrier),
    )


def _reminder_record(row: Push, sheet: _Sheet) -> Record:
    return Record(
        "reminder",
        sheet.at(row.sent_at or row.due_at),
        _day(row.local_date),
        value=_word(PUSH_STATUS_WORDS, row.status),
        detail=_word(PUSH_KIND_WORDS, row.kind),
        code=_code(status=row.status, kind=row.kind),
    )


def _care_link_record(link: CareLink, sheet: _Sheet) -> Record:
    """A consent to share with a clinician: when, the version of the words agreed to, and
    when and how it ended."""
    clinician = link.clinician
    who = f"{clinician.name} ({clinician.practice})" if clinician.practice else clinician.name
    if link.ended_at is None:
        detail = _("sharing now")
    else:
        detail = _("ended {time}: {how}").format(
            time=sheet.at(link.ended_at), how=_word(LINK_END_WORDS, link.ended_by)
        )
    return Record(
        "consent",
        sheet.at(link.consented_at),
        value=who,
        detail=detail,
        # The wording's version as "v1": a code value is a word, never a bare number.
        code=_code(wording=f"v{link.wording_version}", ended_by=link.ended_by),
    )


def _care_message_record(row: CareMessage, sheet: _Sheet) -> Record:
    """A message to or from a clinician, as typed, and when it reached them."""
    name = row.clinician.name
    way = (_("from you to {name}") if row.from_patient else _("from {name} to you")).format(
        name=name
    )
    reached = (
        _("delivered {time}").format(time=sheet.at(row.relayed_at))
        if row.relayed_at
        else _("not delivered")
    )
    details = [way, reached] + ([_("with a photo")] if row.photo else [])
    direction = "to_clinician" if row.from_patient else "from_clinician"
    return Record(
        "message",
        sheet.at(row.sent_at),
        value=row.text,
        detail="; ".join(details),
        code=_code(direction=direction, photo="attached" if row.photo else None),
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
    await clinicians.stop_sharing(turn.db, turn.user, None, turn.now, LinkEnd.DELETED)
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
