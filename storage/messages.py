"""Messages relayed between a patient and their clinician. Written in the turn that sends one,
with the care notice that carries it (storage.clinicians.queue_notice), so a restart loses
none; once the push engine has delivered it, the copy's message id in the recipient's chat is
recorded, which is how a reply to that copy finds its conversation. Who may write to whom is
the use case's check (storage.clinicians.reach), made before anything is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Relayed
from storage.models import CareMessage


async def add_message(
    db: AsyncSession,
    patient_id: int,
    clinician_id: int,
    from_patient: bool,
    relayed: Relayed,
    now: datetime,
) -> CareMessage:
    """Keep a message of the patient's conversation with the clinician, either way."""
    message = CareMessage(
        user_id=patient_id,
        clinician_id=clinician_id,
        from_patient=from_patient,
        text=relayed.text,
        photo=relayed.photo,
        sent_at=now,
    )
    db.add(message)
    await db.flush()
    return message


async def relayed_copy(
    db: AsyncSession, user_id: int, clinician_id: int | None, copy_id: int
) -> CareMessage | None:
    """The message whose relayed copy is message `copy_id` of this person's chat: one their
    clinician sent them or, when they are clinician `clinician_id`, one a patient sent them.
    Message ids count per chat, so nobody finds a message relayed to someone else."""
    received = and_(CareMessage.user_id == user_id, CareMessage.from_patient.is_(False))
    if clinician_id is not None:
        to_me = and_(CareMessage.clinician_id == clinician_id, CareMessage.from_patient.is_(True))
        received = or_(received, to_me)
    return await db.scalar(
        select(CareMessage).where(CareMessage.relayed_message_id == copy_id, received).limit(1)
    )


async def record_relayed(db: AsyncSession, message_id: int, copy_id: int, now: datetime) -> None:
    """The message reached its recipient as message `copy_id` of their chat."""
    await db.execute(
        update(CareMessage)
        .where(CareMessage.id == message_id)
        .values(relayed_message_id=copy_id, relayed_at=now)
    )


async def mark_answered(
    db: AsyncSession, patient_id: int, clinician_id: int, now: datetime
) -> None:
    """The clinician answered the patient: none of the patient's messages to them so far
    counts as unread any more."""
    await db.execute(
        update(CareMessage)
        .where(
            CareMessage.user_id == patient_id,
            CareMessage.clinician_id == clinician_id,
            CareMessage.from_patient.is_(True),
            CareMessage.answered_at.is_(None),
        )
        .values(answered_at=now)
    )
