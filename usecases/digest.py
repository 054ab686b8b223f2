"""The clinician's view of the week: one line per patient who shares with them (the access
condition of storage.clinicians), the most urgent first. /patients shows it on demand and the
weekly digest at the clinician's day and hour."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.digest import Pain, PatientWeek, attention_first, median_of, planned_days
from scheduler.slots import local_day, slot_instant
from storage import clinicians, training
from storage import safety as answers
from storage.models import Clinician, User
from usecases import psfs

# Sessions read per patient: two weeks of daily training, and some.
SESSIONS_READ = 16


async def patient_weeks(
    db: AsyncSession, catalogue: Catalogue, clinician: Clinician, now: datetime
) -> list[PatientWeek]:
    """The last seven days of each patient the clinician reaches, the most urgent first."""
    unread = await clinicians.unread_counts(db, clinician.id)
    return attention_first(
        [
            replace(await _week(db, catalogue, user, now), unread=unread.get(user.id, 0))
            for user, _ in await clinicians.patients_of(db, clinician.id)
        ]
    )


async def _week(db: AsyncSession, catalogue: Catalogue, user: User, now: datetime) -> PatientWeek:
    """The seven days up to today (the patient's today) and the seven before them."""
    today = local_day(now, user.timezone)
    first = today - timedelta(days=6)
    earlier = first - timedelta(days=7)
    since = slot_instant(first, time(0), user.timezone)
    sessions = await training.sessions_with_pain(db, user.id, done_only=True, limit=SESSIONS_READ)
    this = [session for session in sessions if first <= session.day <= today]
    before = [session for session in sessions if earlier <= session.day < first]
    joined = local_day(user.created_at, user.timezone)
    scale = await psfs.summary(db, catalogue, user)
    moved = scale.change if scale else None
    return PatientWeek(
        patient_id=user.id,
        first_name=user.first_name,
        done=len(this),
        planned=planned_days(user.weekdays, first, today, joined),
        past_due=planned_days(user.weekdays, first, today - timedelta(days=1), joined),
        during=Pain(median_of(s.during for s in this), median_of(s.during for s in before)),
        morning=Pain(median_of(s.morning for s in this), median_of(s.morning for s in before)),
        level_changes=await training.level_changes_since(db, user.id, since),
        on_hold=user.on_hold,
        flags=len(await answers.flag_taps_since(db, user.id, since)),
        psfs_mean=scale.latest[2] if scale else None,
        psfs_change=moved.delta if moved else None,
        psfs_meaningful=moved.meaningful if moved else False,
    )
