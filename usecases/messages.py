"""Messages both ways between a patient and their clinician: the patient writes to the
clinician they share with now (/physio <text>, or "Message my physio" then the message), and
either side answers by replying to the relayed copy in their chat. Each message is stored for
the patient's /export and relayed by the push engine through a care notice, named; nothing
goes anywhere but through a live, consented link of a clinician who is not removed (storage's
`reach`), checked before anything is stored and again before it is sent. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from content.alerts import Notice, Relayed
from content.states import Awaiting, NoticeKind, Question
from storage import clinicians, messages
from storage.models import Clinician, User

__all__ = [
    "CAPTION_MAX",
    "TEXT_MAX",
    "Relay",
    "Relaying",
    "answer",
    "ask",
    "cancel",
    "length",
    "to_clinician",
    "writing",
]

# Telegram takes 4,096 characters in a message and 1,024 in a photo's caption, counted in
# UTF-16 code units (an emoji is two); the relayed copy adds the sender's name (up to 64) and
# a line on how to answer, so what is typed leaves room for them.
TEXT_MAX = 3800
CAPTION_MAX = 800
WRITING = Awaiting(Question.CARE_MESSAGE)


class Relay(Enum):
    """What became of a message."""

    SENT = "sent"
    NOT_SHARING = "not_sharing"  # no live link (any more) between the two: sent to nobody
    NOT_CONNECTED = "not_connected"  # the clinician has no Telegram account in the bot yet
    NOT_RELAYED = "not_relayed"  # a reply to a message that was not a relayed one
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Relaying:
    """The outcome, with the recipient's name (when the sender may know it), whether it was
    for the patient, and, for a message too long, the most it may be."""

    result: Relay
    name: str = ""
    to_patient: bool = False
    most: int = 0


async def ask(db: AsyncSession, user: User, clinician_id: int) -> str | None:
    """ "Message my physio": the patient's next message is for that clinician, if they share
    with them now. The clinician's name; None when they do not (an old button)."""
    link = await clinicians.live_link(db, user.id)
    if link is None or link.clinician_id != clinician_id or link.clinician.removed_at is not None:
        return None
    user.awaiting = WRITING
    return link.clinician.name


def cancel(user: User) -> bool:
    """The patient no longer wants to write; False when they were not about to."""
    if user.awaiting != WRITING:
        return False
    user.awaiting = None
    return True


def writing(user: User) -> bool:
    """Whether the patient's next message is for their clinician."""
    return user.awaiting == WRITING


async def to_clinician(db: AsyncSession, user: User, draft: Relayed, now: datetime) -> Relaying:
    """The patient's message for the clinician they share with now."""
    link = await clinicians.live_link(db, user.id)
    if link is None or link.clinician.removed_at is not None:
        cancel(user)
        return Relaying(Relay.NOT_SHARING)
    if link.clinician.chat_id is None:
        cancel(user)
        return Relaying(Relay.NOT_CONNECTED, link.clinician.name)
    return await _relay(db, user, link.clinician, True, draft, now)


async def answer(
    db: AsyncSession,
    user: User,
    clinician: Clinician | None,
    copy_id: int,
    draft: Relayed,
    now: datetime,
) -> Relaying:
    """A reply to message `copy_id` of the person's chat (`clinician`: the one they are, if
    any): relayed to the other side of the conversation, if that message was relayed to them
    and the link it came through is still live."""
    mine = None if clinician is None else clinician.id
    found = await messages.relayed_copy(db, user.id, mine, copy_id)
    if found is None:
        return Relaying(Relay.NOT_RELAYED)
    patient = await clinicians.reach(db, found.clinician_id, found.user_id)
    if patient is None:  # only the patient hears whom they no longer share with
        name = "" if found.from_patient else found.clinician.name
        return Relaying(Relay.NOT_SHARING, name, to_patient=found.from_patient)
    return await _relay(db, patient, found.clinician, not found.from_patient, draft, now)


def length(text: str) -> int:
    """The text's length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


async def _relay(
    db: AsyncSession,
    patient: User,
    clinician: Clinician,
    from_patient: bool,
    draft: Relayed,
    now: datetime,
) -> Relaying:
    """Store the message and queue its notice; a clinician's answer marks the patient's
    messages so far read. A message empty or too long is neither: the sender is told."""
    text = draft.text.replace("\x00", "").strip()  # PostgreSQL keeps no NUL in text
    most = CAPTION_MAX if draft.photo else TEXT_MAX
    name = clinician.name if from_patient else patient.first_name
    if not text and draft.photo is None:
        return Relaying(Relay.EMPTY, name, not from_patient)
    if length(text) > most:
        return Relaying(Relay.TOO_LONG, name, not from_patient, most)
    stored = Relayed(text, draft.photo)
    message = await messages.add_message(db, patient.id, clinician.id, from_patient, stored, now)
    notice = Notice(
        NoticeKind.MESSAGE,
        patient.first_name,
        patient.id,
        to_patient=not from_patient,
        message_id=message.id,
    )
    await clinicians.queue_notice(db, clinician, notice, now)
    if from_patient:
        cancel(patient)
    else:
        await messages.mark_answered(db, patient.id, clinician.id, now)
    return Relaying(Relay.SENT, name, not from_patient)
