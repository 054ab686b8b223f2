"""Clinicians, their one-time claim links and invite codes, and the patients' consent to share
(care links). `reach` is the one access check: every clinician action on a patient's data
goes through it (or through `patients_of`, which uses the same condition)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Notice, Relayed
from content.states import LinkEnd, NoticeKind, OnboardingStep, PushStatus, SessionStatus
from storage.models import (
    CareLink,
    CareMessage,
    CareNotice,
    Clinician,
    ClinicianClaim,
    Invite,
    SessionLog,
    User,
)


async def add_clinician(db: AsyncSession, name: str, practice: str, now: datetime) -> Clinician:
    """A new clinician, not yet tied to a Telegram account."""
    clinician = Clinician(name=name, practice=practice, created_at=now)
    db.add(clinician)
    await db.flush()
    return clinician


async def add_claim(
    db: AsyncSession, clinician_id: int, token_hash: str, expires_at: datetime
) -> None:
    """Keep a claim link by its token's hash (the token itself is never stored)."""
    db.add(ClinicianClaim(clinician_id=clinician_id, token_hash=token_hash, expires_at=expires_at))
    await db.flush()


async def claim_by_hash(db: AsyncSession, token_hash: str) -> ClinicianClaim | None:
    """The claim link with this token hash, locked so that two taps use it once."""
    return await db.scalar(
        select(ClinicianClaim).where(ClinicianClaim.token_hash == token_hash).with_for_update()
    )


async def clinician(db: AsyncSession, clinician_id: int) -> Clinician | None:
    """A clinician by id, removed or not."""
    return await db.get(Clinician, clinician_id)


async def clinician_of_account(db: AsyncSession, telegram_id: int) -> Clinician | None:
    """The live clinician this Telegram account is, if any."""
    return await db.scalar(
        select(Clinician).where(
            Clinician.telegram_id == telegram_id, Clinician.removed_at.is_(None)
        )
    )


async def all_clinicians(db: AsyncSession) -> Sequence[Clinician]:
    """Every clinician ever added, the removed ones too, by id."""
    return (await db.scalars(select(Clinician).order_by(Clinician.id))).all()


async def remove_clinician(db: AsyncSession, clinician: Clinician, now: datetime) -> None:
    """The clinician's role ends: their invite is revoked, their live links end (as history),
    and their Telegram account is free to be a clinician again."""
    clinician.removed_at = now
    await db.execute(
        update(Invite)
        .where(Invite.clinician_id == clinician.id, Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await db.execute(
        update(CareLink)
        .where(CareLink.clinician_id == clinician.id, CareLink.ended_at.is_(None))
        .values(ended_at=now, ended_by=LinkEnd.REMOVED)
    )


async def live_invite(db: AsyncSession, clinician_id: int) -> Invite | None:
    """The clinician's current invite code, if they have one."""
    return await db.scalar(
        select(Invite).where(Invite.clinician_id == clinician_id, Invite.revoked_at.is_(None))
    )


async def new_invite(db: AsyncSession, clinician_id: int, code: str, now: datetime) -> Invite:
    """A new invite code for the clinician; the one before stops working."""
    await db.execute(
        update(Invite)
        .where(Invite.clinician_id == clinician_id, Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    invite = Invite(code=code, clinician_id=clinician_id, created_at=now)
    db.add(invite)
    await db.flush()
    return invite


async def inviting(db: AsyncSession, code: str) -> Clinician | None:
    """The clinician a live invite code belongs to; None when the code is unknown, revoked,
    or its clinician removed."""
    return await db.scalar(
        select(Clinician)
        .join(Invite, Invite.clinician_id == Clinician.id)
        .where(Invite.code == code, Invite.revoked_at.is_(None), Clinician.removed_at.is_(None))
    )


async def live_link(db: AsyncSession, user_id: int) -> CareLink | None:
    """The patient's live care link, if they share with anyone now."""
    return await db.scalar(
        select(CareLink).where(CareLink.user_id == user_id, CareLink.ended_at.is_(None))
    )


async def start_link(
    db: AsyncSession, user_id: int, clinician_id: int, wording_version: int, now: datetime
) -> CareLink:
    """The patient consents to share with the clinician, with the wording's version."""
    link = CareLink(
        user_id=user_id,
        clinician_id=clinician_id,
        consented_at=now,
        wording_version=wording_version,
    )
    db.add(link)
    await db.flush()
    return link


def end_link(link: CareLink, by: LinkEnd, now: datetime) -> None:
    """The link ends now; the row stays, as consent history."""
    link.ended_at = now
    link.ended_by = by


def _reachable(clinician_id: int) -> ColumnElement[bool]:
    """The one condition under which a clinician sees a patient: a live, consented link of a
    clinician who has not been removed."""
    return and_(
        CareLink.clinician_id == clinician_id,
        CareLink.ended_at.is_(None),
        Clinician.id == CareLink.clinician_id,
        Clinician.removed_at.is_(None),
    )


async def reach(db: AsyncSession, clinician_id: int, patient_id: int) -> User | None:
    """The patient, only through a live, consented link of a clinician who is not removed;
    None for anyone else (another clinician's patient, an unlinked one, one who stopped)."""
    return await db.scalar(
        select(User)
        .join(CareLink, CareLink.user_id == User.id)
        .join(Clinician, Clinician.id == CareLink.clinician_id)
        .where(User.id == patient_id, _reachable(clinician_id))
    )


async def patients_of(db: AsyncSession, clinician_id: int) -> Sequence[tuple[User, datetime]]:
    """The patients the clinician reaches now (the `reach` condition), with when each
    consented, longest-linked first."""
    rows = await db.execute(
        select(User, CareLink.consented_at)
        .join(CareLink, CareLink.user_id == User.id)
        .join(Clinician, Clinician.id == CareLink.clinician_id)
        .where(_reachable(clinician_id))
        .order_by(CareLink.consented_at, User.id)
    )
    return [(user, consented_at) for user, consented_at in rows]


# Set in a transaction's session info when it queued a notice due now: the front door then
# asks the engine to send it at once instead of at its next tick.
NOTICE_DUE_NOW = "care_notice_due_now"


def notice_due_now(db: AsyncSession) -> bool:
    """Whether the transaction queued a notice that is due at once."""
    return bool(db.info.get(NOTICE_DUE_NOW))


async def queue_notice(
    db: AsyncSession, clinician: Clinician, notice: Notice, now: datetime
) -> None:
    """Queue a notice for the engine to send; nothing for a clinician with no chat yet or
    removed (neither side hears of a link that no one can use)."""
    if clinician.chat_id is None or clinician.removed_at is not None:
        return
    if notice.due_at is None or notice.due_at <= now:
        db.info[NOTICE_DUE_NOW] = True
    db.add(
        CareNotice(
            clinician_id=clinician.id,
            kind=notice.kind,
            patient_name=notice.patient_name[:64],
            patient_id=notice.patient_id,
            to_patient=notice.to_patient,
            detail=notice.detail[:200],
            due_at=notice.due_at,
            created_at=now,
            message_id=notice.message_id,
        )
    )
    await db.flush()


async def alert(db: AsyncSession, user: User, notice: Notice, now: datetime) -> bool:
    """Tell the patient's clinician, if the patient shares with one now (the `reach`
    condition); False when nobody is told."""
    link = await live_link(db, user.id)
    if link is None or link.clinician.removed_at is not None:
        return False
    await queue_notice(db, link.clinician, notice, now)
    return True


async def alert_quiet_patients(db: AsyncSession, now: datetime, quiet: timedelta) -> int:
    """Tell each clinician of a patient who shares with them and has done no session for
    `quiet` (since their last session, or since they started sharing), once per quiet
    stretch; a patient on hold, paused or not set up is not expected to train. How many."""
    last_done = (
        select(func.max(SessionLog.logged_at))
        .where(SessionLog.user_id == CareLink.user_id, SessionLog.status == SessionStatus.DONE)
        .correlate(CareLink)
        .scalar_subquery()
    )
    last_day = (
        select(func.max(SessionLog.local_date))
        .where(SessionLog.user_id == CareLink.user_id, SessionLog.status == SessionStatus.DONE)
        .correlate(CareLink)
        .scalar_subquery()
    )
    quiet_since = case((last_done > CareLink.consented_at, last_done), else_=CareLink.consented_at)
    rows = await db.execute(
        select(CareLink, User, last_day)
        .join(User, User.id == CareLink.user_id)
        .join(Clinician, Clinician.id == CareLink.clinician_id)
        .where(
            CareLink.ended_at.is_(None),
            Clinician.removed_at.is_(None),
            Clinician.chat_id.is_not(None),
            User.onboarding_step == OnboardingStep.DONE,
            User.held_since.is_(None),
            User.paused.is_(False),
            quiet_since <= now - quiet,
            or_(CareLink.idle_alerted_at.is_(None), CareLink.idle_alerted_at < quiet_since),
        )
        .with_for_update(of=CareLink, skip_locked=True)
    )
    count = 0
    for link, user, day in rows:
        link.idle_alerted_at = now
        detail = day.isoformat() if day else ""
        notice = Notice(NoticeKind.IDLE, user.first_name, user.id, detail=detail)
        await queue_notice(db, link.clinician, notice, now)
        count += 1
    return count


async def clinicians_with_chat(db: AsyncSession) -> Sequence[Clinician]:
    """The live clinicians who can be written to, by id (for their weekly digest)."""
    return (
        await db.scalars(
            select(Clinician)
            .where(Clinician.removed_at.is_(None), Clinician.chat_id.is_not(None))
            .order_by(Clinician.id)
        )
    ).all()


@dataclass(frozen=True)
class DueNotice:
    """A notice claimed for sending: where it goes, in which language, what it says, and who
    it names."""

    notice_id: int
    chat_id: int
    language: str
    notice: Notice
    clinician_name: str
    relayed: Relayed | None = None  # the message a NoticeKind.MESSAGE relays


async def claim_notices(db: AsyncSession, now: datetime, limit: int) -> list[DueNotice]:
    """Pending notices due by `now`, oldest first, marked "sending" as they are claimed (at
    most once: one left "sending" by a crash is never sent again); another replica skips
    them."""
    due = (
        select(CareNotice.id)
        .where(
            CareNotice.status == PushStatus.PENDING,
            or_(CareNotice.due_at.is_(None), CareNotice.due_at <= now),
        )
        .order_by(CareNotice.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await db.scalars(due))
    if not ids:
        return []
    await db.execute(
        update(CareNotice).where(CareNotice.id.in_(ids)).values(status=PushStatus.SENDING)
    )
    rows = await db.execute(
        select(CareNotice, Clinician, User.chat_id, User.language, CareMessage)
        .join(Clinician, Clinician.id == CareNotice.clinician_id)
        .outerjoin(User, User.id == CareNotice.patient_id)
        .outerjoin(CareMessage, CareMessage.id == CareNotice.message_id)
        .where(CareNotice.id.in_(ids))
        .order_by(CareNotice.id)
    )
    claimed = []
    for row, clinician, patient_chat, patient_language, message in rows.all():
        chat_id, language = (
            (patient_chat, patient_language)
            if row.to_patient
            else (clinician.chat_id, clinician.language)
        )
        if chat_id is None or language is None:
            continue
        if message is not None and await reach(db, clinician.id, message.user_id) is None:
            # The link ended since it was written: relayed to nobody.
            row.status, row.patient_name = PushStatus.CANCELLED, ""
            continue
        claimed.append(_due(row, chat_id, language, clinician.name, message))
    return claimed


def _due(
    row: CareNotice, chat_id: int, language: str, clinician_name: str, message: CareMessage | None
) -> DueNotice:
    notice = Notice(
        row.kind,
        row.patient_name,
        row.patient_id,
        row.to_patient,
        row.detail,
        row.due_at,
        row.message_id,
    )
    relayed = None if message is None else Relayed(message.text, message.photo)
    return DueNotice(row.id, chat_id, language, notice, clinician_name, relayed)


async def finish_notice(
    db: AsyncSession, notice_id: int, status: PushStatus, now: datetime
) -> None:
    """Book a notice: sent (the patient's name and the detail are no longer kept), failed,
    or pending again (a 429 or a network error: the next tick tries again)."""
    values: dict[str, object] = {"status": status}
    if status is PushStatus.SENT:
        values.update(sent_at=now, patient_name="", detail="")
    await db.execute(update(CareNotice).where(CareNotice.id == notice_id).values(**values))


async def tell_sender_undelivered(db: AsyncSession, notice_id: int, now: datetime) -> None:
    """A relayed message Telegram refused to deliver (the recipient blocked the bot, say):
    its sender is told, through the same queue, rather than left believing it arrived."""
    failed = await db.get(CareNotice, notice_id)
    if failed is None or failed.kind is not NoticeKind.MESSAGE:
        return
    db.add(
        CareNotice(
            clinician_id=failed.clinician_id,
            kind=NoticeKind.UNDELIVERED,
            patient_name=failed.patient_name,
            patient_id=failed.patient_id,
            to_patient=not failed.to_patient,
            created_at=now,
        )
    )
    db.info[NOTICE_DUE_NOW] = True
    await db.flush()


async def unread_counts(db: AsyncSession, clinician_id: int) -> dict[int, int]:
    """How many messages each patient the clinician reaches now (the `reach` condition) sent
    them that they have not answered yet, by patient id; patients with none are left out."""
    rows = await db.execute(
        select(CareMessage.user_id, func.count().label("unread"))
        .join(CareLink, CareLink.user_id == CareMessage.user_id)
        .join(Clinician, Clinician.id == CareLink.clinician_id)
        .where(
            _reachable(clinician_id),
            CareMessage.clinician_id == clinician_id,
            CareMessage.from_patient.is_(True),
            CareMessage.answered_at.is_(None),
        )
        .group_by(CareMessage.user_id)
    )
    return {row.user_id: row.unread for row in rows}
