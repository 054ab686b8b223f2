"""A clinician's changes to a patient's program from their chat: an exercise a level up or
down, opened or locked, and the program's reminders paused or resumed. Each goes through the
access check (usecases.clinicians.reach), is applied at once by the program's own rules
(content.edits; the patient's /pause and /resume for reminders), is kept in the level history
with the clinician as its author, and is told to the patient by the clinician's name through
the push engine. The automatic rules then hold back that exercise's step up for a while
(program.toml care.edit_holds_step_up_days; usecases.checkins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Notice
from content.catalogue import Catalogue
from content.edits import Asked, ProgramChange, Refusal, edit_move
from content.states import NoticeKind
from storage import clinicians as store
from storage import training
from storage.models import Clinician, User
from usecases import schedule
from usecases.clinicians import Patient, reach

# A RESUMED notice's detail when the break was long enough to ease the levels back.
EASED = "eased"


@dataclass(frozen=True)
class Program:
    """A patient's program as their clinician sees and edits it: the open exercises at their
    levels, and whether reminders are paused or a hold stops the program."""

    patient: Patient
    levels: dict[str, int]
    paused: bool
    on_hold: bool


@dataclass(frozen=True)
class Edited:
    """What an edit did: the program as it is now (None: the clinician no longer reaches the
    patient, and nothing is shown), and why it changed nothing, if it did not."""

    program: Program | None
    refused: Refusal | None = None


async def program(
    db: AsyncSession, catalogue: Catalogue, clinician: Clinician, patient_id: int, now: datetime
) -> Program | None:
    """The patient's program, if the clinician reaches them (the access check)."""
    reached = await reach(db, clinician, patient_id)
    return None if reached is None else await _program(catalogue, *reached, now)


async def _program(catalogue: Catalogue, user: User, patient: Patient, now: datetime) -> Program:
    """The program now; a patient who has not opened a session yet has the starter set."""
    plan = await training.current_plan(catalogue, user, now)
    levels = {item.exercise.slug: item.level_number for item in plan}
    return Program(patient, levels, user.paused, user.on_hold)


async def edit_exercise(
    db: AsyncSession,
    catalogue: Catalogue,
    clinician: Clinician,
    patient_id: int,
    asked: Asked,
    now: datetime,
) -> Edited:
    """Apply the clinician's edit of one exercise, within its levels; keep it in the level
    history as theirs and tell the patient."""
    reached = await reach(db, clinician, patient_id)
    if reached is None:
        return Edited(None)
    user, patient = reached
    before = await _program(catalogue, user, patient, now)
    move = edit_move(catalogue, before.levels, asked)
    if isinstance(move, Refusal):
        return Edited(before, move)
    await training.apply_moves(db, user, [move], now, clinician.id)
    change = ProgramChange.of(move)
    await _tell(db, clinician, user, NoticeKind.EDITED, change.detail, now)
    return Edited(await _program(catalogue, user, patient, now))


async def set_paused(
    db: AsyncSession,
    catalogue: Catalogue,
    clinician: Clinician,
    patient_id: int,
    paused: bool,
    now: datetime,
) -> Edited:
    """Pause the patient's reminders (or resume them) as their own /pause and /resume do, and
    tell the patient; a program paused (or running) already changes nothing."""
    reached = await reach(db, clinician, patient_id)
    if reached is None:
        return Edited(None)
    user, patient = reached
    if paused:
        changed, kind, detail = await schedule.pause(db, user, now), NoticeKind.PAUSED, ""
    else:
        resumed = await schedule.resume(db, catalogue, user, now)
        eased = resumed.eased is not None and bool(resumed.eased.moves)
        changed, kind, detail = resumed.resumed, NoticeKind.RESUMED, EASED if eased else ""
    if changed:
        await _tell(db, clinician, user, kind, detail, now)
    refused = None if changed else Refusal.CHANGED
    return Edited(await _program(catalogue, user, patient, now), refused)


async def _tell(
    db: AsyncSession,
    clinician: Clinician,
    user: User,
    kind: NoticeKind,
    detail: str,
    now: datetime,
) -> None:
    """Queue the patient's notice of the clinician's change (sent by the push engine)."""
    notice = Notice(kind, user.first_name, user.id, to_patient=True, detail=detail)
    await store.queue_notice(db, clinician, notice, now)
