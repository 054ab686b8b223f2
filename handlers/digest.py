"""The clinician's week at a glance: /patients on demand, the weekly digest at their day and
hour (sent by the push engine, worded here), and /digest to choose that day, hour and zone.
One line per patient, the most urgent first (content.digest), with a button each for their
summary."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.digest import Pain, PatientWeek
from content.i18n import (
    _,
    clock_time,
    current_language,
    date_range,
    decimal,
    ngettext,
    weekday_names,
    zone_name,
)
from content.understanding.clock import parse_days, parse_time
from handlers.callbacks import PatientProgram, PatientSummary
from handlers.common import Turn, turn_handler
from scheduler.outgoing import Keyboard, Outgoing
from scheduler.slots import local_day
from usecases import clinicians
from usecases.clinicians import Clinician, DigestTime
from usecases.digest import patient_weeks


async def weekly_digest(
    db: AsyncSession, catalogue: Catalogue, clinician: Clinician, now: datetime
) -> Outgoing | None:
    """The digest the engine sends at the clinician's hour; None when nobody shares."""
    weeks = await patient_weeks(db, catalogue, clinician, now)
    if not weeks:
        return None
    today = local_day(now, clinician.timezone)
    title = _("📋 Your patients' week ({period}):").format(
        period=date_range(today - timedelta(days=6), today)
    )
    return week_message(title, weeks)


def week_message(title: str, weeks: list[PatientWeek]) -> Outgoing:
    """The title, a line per patient, and per patient the buttons for their summary and
    their program."""
    lines = [title, *(patient_line(week) for week in weeks)]
    buttons: Keyboard = [
        [
            (_("📄 {name}").format(name=_name(week)), PatientSummary(week.patient_id).data()),
            (_("✏️ Program"), PatientProgram(week.patient_id).data()),
        ]
        for week in weeks
    ]
    return Outgoing("\n\n".join(lines), buttons)


def _name(week: PatientWeek) -> str:
    return week.first_name or _("(no name)")


def patient_line(week: PatientWeek) -> str:
    """'⚠️ Pat: on hold · 1 warning sign · 1 of 3 sessions · pain during 6/10 (↑2) · …'."""
    parts = []
    if week.on_hold:
        parts.append(_("on hold"))
    if week.flags:
        parts.append(
            ngettext("{count} warning sign", "{count} warning signs", week.flags).format(
                count=week.flags
            )
        )
    parts.append(_sessions(week))
    parts += _pain(_("pain during"), week.during) + _pain(_("next morning"), week.morning)
    if week.level_changes:
        parts.append(
            ngettext("{count} level change", "{count} level changes", week.level_changes).format(
                count=week.level_changes
            )
        )
    if week.psfs_mean is not None:
        parts.append(_psfs(week))
    if week.unread:
        parts.append(
            ngettext("{count} unread message", "{count} unread messages", week.unread).format(
                count=week.unread
            )
        )
    mark = "⚠️ " if week.needs_attention else ""
    return f"{mark}{_name(week)}: " + " · ".join(parts)


def _sessions(week: PatientWeek) -> str:
    """'2 of 3 sessions'; a patient with no training day yet (joined on a rest day): 'no
    session planned yet', or the extra ones they did."""
    if week.planned:
        return ngettext(
            "{done} of {count} session", "{done} of {count} sessions", week.planned
        ).format(done=week.done, count=week.planned)
    if not week.done:
        return _("no session planned yet")
    return ngettext("{count} extra session", "{count} extra sessions", week.done).format(
        count=week.done
    )


def _pain(label: str, pain: Pain) -> list[str]:
    if pain.now is None:
        return []
    text = f"{label} {decimal(pain.now)}/10"
    change = pain.change
    if change is not None:
        arrow = "↑" if change >= 1 else "↓" if change <= -1 else "→"
        text += f" ({arrow}{decimal(abs(change))})" if arrow != "→" else f" ({arrow})"
    return [text]


def _psfs(week: PatientWeek) -> str:
    assert week.psfs_mean is not None
    text = _("activities {mean}/10").format(mean=decimal(week.psfs_mean))
    if week.psfs_change is not None:
        sign = "+" if week.psfs_change >= 0 else "−"
        change = f"{sign}{decimal(abs(week.psfs_change))}"
        if week.psfs_meaningful:
            change = _("{change}, a meaningful change").format(change=change)
        text += f" ({change})"
    return text


@turn_handler
async def digest(turn: Turn) -> None:
    """/digest [day] [time] [city]: when the weekly digest comes, or a change to it."""
    found = await clinicians.clinician_of(turn.db, turn.user.id, turn.user.language)
    if found is None:
        turn.say(_("/digest is for clinicians: it sets when their weekly digest comes."))
        return
    args = turn.context.args or []
    if not args:
        turn.say(_digest_words(clinicians.digest_time(found)) + "\n\n" + _digest_hint())
        return
    weekday, at, place = _read_digest_args(args, turn.user.language)
    hour = None if at is None else at.hour
    changed = clinicians.set_digest_time(found, turn.now, weekday, hour, place)
    if changed is None:
        turn.say(
            _(
                "I don't know the place {place}: try a big city near you, or a zone like CET."
            ).format(place=place)
            + "\n\n"
            + _digest_hint()
        )
        return
    turn.say("✅ " + _digest_words(changed))


def _digest_hint() -> str:
    return _(
        "To change it, send /digest with a day, a time and your city, in any order, like "
        "/digest Monday 8:00 Berlin."
    )


def _digest_words(when: DigestTime) -> str:
    day = weekday_names(current_language())[when.weekday][0]
    return _("Your weekly digest comes every {day} at {time} ({zone}).").format(
        day=day, time=clock_time(time(when.hour)), zone=zone_name(when.timezone)
    )


def _read_digest_args(args: list[str], language: str) -> tuple[int | None, time | None, str]:
    """A day, a time and the rest (a place) from the words after /digest, in any order."""
    weekday: int | None = None
    at: time | None = None
    place: list[str] = []
    for word in args:
        days = parse_days(word, language)
        if weekday is None and days is not None and len(days) == 1:
            weekday = days[0]
            continue
        clock = parse_time(word, language)
        if at is None and clock is not None:
            at = clock
            continue
        place.append(word)
    return weekday, at, " ".join(place)
