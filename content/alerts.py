"""Care notices: what the care link tells either side (a clinician of a patient's sharing and
alerts, a patient of their clinician's action), and what an alert quotes, kept in the notice's
`detail` until it is sent: the reason for a review hold and the scores of the sessions behind
it. Plain text, short, parsed strictly: a detail that does not read back still gives an
alert, only without its quote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from content.progression import ClinicianReason, Scores
from content.states import NoticeKind

_SESSION = re.compile(r"(\d{4}-\d{2}-\d{2}):(\d{1,2})?:(\d{1,2})?", re.ASCII)
# Sessions quoted at most: the detail column holds 200 characters.
QUOTED_SESSIONS = 6


def hold_detail(reason: ClinicianReason | None, evidence: tuple[Scores, ...]) -> str:
    """`reason|day:during:morning;…` (a missing score is left empty)."""
    sessions = ";".join(
        f"{scores.day.isoformat()}:{_score(scores.during)}:{_score(scores.morning)}"
        for scores in evidence[-QUOTED_SESSIONS:]
    )
    return f"{reason.value if reason else ''}|{sessions}"


def _score(value: int | None) -> str:
    return "" if value is None else str(value)


def read_hold_detail(detail: str) -> tuple[ClinicianReason | None, tuple[Scores, ...]]:
    """The reason and the sessions `hold_detail` wrote; what does not read back is left out."""
    reason_text, _, sessions_text = detail.partition("|")
    reasons = {reason.value: reason for reason in ClinicianReason}
    sessions = []
    for part in filter(None, sessions_text.split(";")):
        found = _SESSION.fullmatch(part)
        if found is None:
            continue
        try:
            day = date.fromisoformat(found[1])
        except ValueError:
            continue
        during, morning = (None if value is None else int(value) for value in found.groups()[1:])
        sessions.append(Scores(day, during, morning))
    return reasons.get(reason_text), tuple(sessions)


@dataclass(frozen=True)
class Notice:
    """What a care notice says and for whom: the patient it is about or for (None: it must
    outlive the patient's rows), whether it goes to the patient, the detail its words quote,
    and the time it waits for (None: the next tick)."""

    kind: NoticeKind
    patient_name: str
    patient_id: int | None = None
    to_patient: bool = False
    detail: str = ""
    due_at: datetime | None = None
    message_id: int | None = None  # the relayed message (NoticeKind.MESSAGE) it carries


@dataclass(frozen=True)
class Relayed:
    """A message between a patient and their clinician as it is relayed: the words as typed
    (a photo's caption) and the photo, by the file id Telegram gave the sender's upload."""

    text: str
    photo: str | None = None
