"""A practice's clinicians and the patients who share their data with them: the operator adds
and removes clinicians, a clinician claims their Telegram account with a one-time link and
invites patients with a code, a patient consents (with the wording's version), declines or
stops sharing. No Telegram here: the practice's web pages will call the same functions.

A clinician reaches a patient only through storage.clinicians.reach (a live, consented link
of a clinician who is not removed); every clinician action on a patient goes through it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Notice
from content.catalogue import Catalogue
from content.states import LinkEnd, NoticeKind
from scheduler.slots import local_day
from scheduler.timezones import resolve_timezone
from storage import clinicians as store
from storage.clinicians import notice_due_now
from storage.models import Clinician, User
from usecases import safety
from usecases.report import DEFAULT_WEEKS, ReportData, gather_report
from usecases.safety import Clearing

__all__ = [
    "CLAIM_VALID_FOR",
    "Account",
    "Claim",
    "Claimed",
    "Clearing",
    "Clinician",
    "ClinicianClearance",
    "Consented",
    "DigestTime",
    "Invitation",
    "NewClinician",
    "Patient",
    "add_clinician",
    "claim",
    "clear_hold",
    "clinician_of",
    "consent",
    "current_clinician",
    "decline",
    "digest_time",
    "invitation",
    "invite_code",
    "list_clinicians",
    "notice_due_now",
    "patient",
    "patients_of",
    "reach",
    "remove_clinician",
    "set_digest_time",
    "stop_sharing",
    "summary",
]

CLAIM_VALID_FOR = timedelta(days=7)
# 16 random bytes: 128 bits, 22 URL-safe characters ("clin_" + 22 fits Telegram's 64).
CLAIM_TOKEN_BYTES = 16
# 9 random bytes: 72 bits in 12 characters, short enough to type from a printed QR code's
# caption, far beyond guessing (and a code is only an offer: the patient still consents).
INVITE_CODE_BYTES = 9


def _hash(token: str) -> str:
    """What is stored of a claim token: its SHA-256, so the database cannot claim anyone."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewClinician:
    """A clinician just added, and the one-time token of their claim link (shown once)."""

    clinician: Clinician
    token: str
    expires_at: datetime


async def add_clinician(db: AsyncSession, name: str, practice: str, now: datetime) -> NewClinician:
    """Add a clinician and make their one-time claim link, valid CLAIM_VALID_FOR."""
    clinician = await store.add_clinician(db, name.strip()[:64], practice.strip()[:100], now)
    token = secrets.token_urlsafe(CLAIM_TOKEN_BYTES)
    expires_at = now + CLAIM_VALID_FOR
    await store.add_claim(db, clinician.id, _hash(token), expires_at)
    return NewClinician(clinician, token, expires_at)


async def list_clinicians(db: AsyncSession) -> Sequence[Clinician]:
    """Every clinician, removed ones included (removed_at says so)."""
    return await store.all_clinicians(db)


async def remove_clinician(db: AsyncSession, clinician_id: int, now: datetime) -> bool:
    """End a clinician's role and every patient's sharing with them; False if there is no
    such clinician or they were removed before."""
    found = await store.clinician(db, clinician_id)
    if found is None or found.removed_at is not None:
        return False
    await store.remove_clinician(db, found, now)
    return True


class Claim(Enum):
    """What opening a claim link did."""

    OK = "ok"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"  # no such link, or its clinician was removed
    TAKEN = "taken"  # this Telegram account is another clinician already


@dataclass(frozen=True)
class Claimed:
    """The claim's outcome and, when it worked (or the account already is one), the
    clinician."""

    result: Claim
    clinician: Clinician | None = None


@dataclass(frozen=True)
class Account:
    """The Telegram account opening a claim link, and the language it speaks."""

    telegram_id: int
    chat_id: int
    language: str


async def claim(db: AsyncSession, token: str, account: Account, now: datetime) -> Claimed:
    """The account opening a claim link becomes that clinician, once, within 7 days. An
    account is at most one clinician: one that is already another is refused."""
    link = await store.claim_by_hash(db, _hash(token))
    found = None if link is None else await store.clinician(db, link.clinician_id)
    if link is None or found is None or found.removed_at is not None:
        return Claimed(Claim.UNKNOWN)
    if link.used_at is not None:
        # The clinician opening their own link again is welcomed again; anyone else is not.
        mine = found.telegram_id == account.telegram_id
        return Claimed(Claim.OK, found) if mine else Claimed(Claim.USED)
    if link.expires_at <= now:
        return Claimed(Claim.EXPIRED)
    already = await store.clinician_of_account(db, account.telegram_id)
    if already is not None and already.id != found.id:
        return Claimed(Claim.TAKEN, already)
    link.used_at = now
    found.telegram_id = account.telegram_id
    found.chat_id = account.chat_id
    found.language = account.language
    return Claimed(Claim.OK, found)


async def clinician_of(db: AsyncSession, telegram_id: int, language: str) -> Clinician | None:
    """The live clinician this Telegram account is (None: not a clinician), keeping the
    language they use now for what the bot tells them."""
    found = await store.clinician_of_account(db, telegram_id)
    if found is not None:
        found.language = language
    return found


async def invite_code(
    db: AsyncSession, clinician: Clinician, now: datetime, *, renew: bool = False
) -> str:
    """The clinician's invite code: the live one, or (none yet, or `renew`) a new one that
    revokes the one before."""
    if not renew:
        live = await store.live_invite(db, clinician.id)
        if live is not None:
            return live.code
    code = secrets.token_urlsafe(INVITE_CODE_BYTES)
    return (await store.new_invite(db, clinician.id, code, now)).code


@dataclass(frozen=True)
class Invitation:
    """What an invite shows the patient: who invites them."""

    clinician_id: int
    name: str
    practice: str
    account: int | None = None  # the clinician's own Telegram account, if claimed


async def invitation(db: AsyncSession, code: str) -> Invitation | None:
    """Who a code invites the patient to share with; None when it is unknown, revoked, or its
    clinician removed."""
    found = await store.inviting(db, code)
    if found is None:
        return None
    return Invitation(found.id, found.name, found.practice, found.telegram_id)


@dataclass(frozen=True)
class Consented:
    """Sharing started: with whom, and the clinician it replaced, if any (both are told,
    through the push engine)."""

    clinician: Clinician
    replaced: Clinician | None = None
    already: bool = False  # the patient shared with this clinician already: nothing changed


async def consent(
    db: AsyncSession, user: User, code: str, wording_version: int, now: datetime
) -> Consented | None:
    """The patient agrees to share with the code's clinician: stored with the time and the
    version of the words they read. A live link with another clinician ends first (one
    clinician at a time). None when the invite no longer works."""
    found = await store.inviting(db, code)
    if found is None or found.telegram_id == user.id:  # nobody shares with themselves
        return None
    live = await store.live_link(db, user.id)
    if live is not None and live.clinician_id == found.id:
        return Consented(found, already=True)
    replaced = None
    if live is not None:
        replaced = live.clinician
        store.end_link(live, LinkEnd.PATIENT, now)
        await db.flush()  # the live index allows one: the old link ends before the new
        await store.queue_notice(db, replaced, Notice(NoticeKind.STOPPED, user.first_name), now)
    await store.start_link(db, user.id, found.id, wording_version, now)
    started = Notice(NoticeKind.STARTED, user.first_name, patient_id=user.id)
    await store.queue_notice(db, found, started, now)
    return Consented(found, replaced)


async def decline(db: AsyncSession, code: str) -> Invitation | None:
    """The patient said no: nothing is stored and nobody is told. The invitation, to name
    who was declined (None: the invite no longer works)."""
    return await invitation(db, code)


async def current_clinician(db: AsyncSession, user: User) -> Clinician | None:
    """Who sees the patient's data now, if anyone (a removed clinician's links have ended)."""
    live = await store.live_link(db, user.id)
    return None if live is None else live.clinician


async def stop_sharing(
    db: AsyncSession, user: User, clinician_id: int | None, now: datetime, by: LinkEnd
) -> Clinician | None:
    """End the patient's live link at once (only that clinician's, when one is named, so an
    old button cannot end a newer link); the clinician is told, through the push engine.
    Returns that clinician; None when the patient shared with nobody (or not with that one)."""
    live = await store.live_link(db, user.id)
    if live is None or (clinician_id is not None and live.clinician_id != clinician_id):
        return None
    store.end_link(live, by, now)
    stopped = Notice(NoticeKind.STOPPED, user.first_name)  # outlives the patient's rows
    await store.queue_notice(db, live.clinician, stopped, now)
    return live.clinician


@dataclass(frozen=True)
class Patient:
    """A patient as their clinician's list shows them."""

    user_id: int
    first_name: str
    since: datetime


async def patients_of(db: AsyncSession, clinician: Clinician) -> list[Patient]:
    """The patients who share with the clinician now (storage's access condition)."""
    return [
        Patient(user.id, user.first_name, since)
        for user, since in await store.patients_of(db, clinician.id)
    ]


async def patient(db: AsyncSession, clinician: Clinician, patient_id: int) -> Patient | None:
    """One patient, as the clinician may see them: through the access check only."""
    reached = await reach(db, clinician, patient_id)
    return None if reached is None else reached[1]


async def reach(
    db: AsyncSession, clinician: Clinician, patient_id: int
) -> tuple[User, Patient] | None:
    """The patient's row and how the clinician sees them, through the access check only: the
    one way every clinician action (here and in usecases.program_edits) reaches a patient."""
    user = await store.reach(db, clinician.id, patient_id)
    link = None if user is None else await store.live_link(db, user.id)
    if user is None or link is None:
        return None
    return user, Patient(user.id, user.first_name, link.consented_at)


async def summary(
    db: AsyncSession, catalogue: Catalogue, clinician: Clinician, patient_id: int, now: datetime
) -> tuple[Patient, ReportData | None] | None:
    """A patient's one-page report over the usual weeks, as their clinician may see it (the
    access check); None for anyone the clinician does not reach. The report is None while
    the patient has logged nothing."""
    reached = await reach(db, clinician, patient_id)
    if reached is None:
        return None
    user, found = reached
    today = local_day(now, user.timezone)
    return found, await gather_report(db, catalogue, user, today, DEFAULT_WEEKS)


@dataclass(frozen=True)
class ClinicianClearance:
    """What the clinician's "clear the hold" did, and to whom (None: not their patient)."""

    patient: Patient | None
    result: Clearing


async def clear_hold(
    db: AsyncSession,
    catalogue: Catalogue,
    clinician: Clinician,
    patient_id: int,
    now: datetime,
    weekly_after: timedelta,
) -> ClinicianClearance:
    """The clinician has seen the patient: every hold ends at once (the clearance names them),
    and the patient is told by name, through the push engine."""
    reached = await reach(db, clinician, patient_id)
    if reached is None:
        return ClinicianClearance(None, Clearing.NOT_HELD)
    user, found = reached
    outcome = await safety.clear(db, catalogue, user, now, weekly_after, clinician.id)
    if outcome.result is Clearing.CLEARED:
        told = Notice(NoticeKind.CLEARED, user.first_name, user.id, to_patient=True)
        await store.queue_notice(db, clinician, told, now)
    return ClinicianClearance(found, outcome.result)


@dataclass(frozen=True)
class DigestTime:
    """When the clinician's weekly digest comes: a weekday (0 = Monday), an hour, a zone."""

    weekday: int
    hour: int
    timezone: str


def digest_time(clinician: Clinician) -> DigestTime:
    """The clinician's digest day, hour and zone as stored."""
    return DigestTime(clinician.digest_weekday, clinician.digest_hour, clinician.timezone)


def set_digest_time(
    clinician: Clinician,
    now: datetime,
    weekday: int | None = None,
    hour: int | None = None,
    place: str = "",
) -> DigestTime | None:
    """Change what was given of the digest's day, hour and zone (a city, a zone name or an
    offset, as a patient's is typed); None, and nothing changed, when the place is not one
    or names more than one zone."""
    zone = clinician.timezone
    if place:
        zones = resolve_timezone(place, now)
        if len(zones) != 1:
            return None
        zone = zones[0]
    clinician.timezone = zone
    if weekday is not None:
        clinician.digest_weekday = weekday
    if hour is not None:
        clinician.digest_hour = hour
    return digest_time(clinician)
