"""The program's vocabulary of states, as types every layer shares: what a free-text reply
answers, how a session ended, which kind a pain score is, why the program is held and how a
hold ended, where a push is in the outbox and what kind it is. Stored as their string values
(storage), compared as enums everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Question(StrEnum):
    """The question the bot asked last, which a free-text reply answers."""

    TIMEZONE = "timezone"
    REMINDER_TIME = "reminder_time"
    MORNING_TIME = "morning_time"
    DAYS = "days"  # the training-day buttons are on screen
    DURING_PAIN = "pain"  # pain during the session of `day`
    MORNING_PAIN = "morning"  # the knee the morning after the session of `day`
    DAY_PAIN = "day_pain"  # how the knee is on `day`, outside a session
    PSFS_ACTIVITY = "psfs_activity"  # an activity the knee makes hard, in the person's words
    PSFS_RATING = "psfs_rating"  # how well they can do the next activity, in the round of `day`
    CARE_MESSAGE = "care_message"  # a message for their clinician, after "Message my physio"


DAY_QUESTIONS = frozenset({Question.DURING_PAIN, Question.MORNING_PAIN, Question.DAY_PAIN})
# Questions about a day: the pain questions, and a functional-scale round (its day).
DATED_QUESTIONS = DAY_QUESTIONS | {Question.PSFS_RATING}
# Steps of setting the schedule: a reply to them is a place, a time or a tap, never a score.
SETUP_QUESTIONS = frozenset(
    {Question.TIMEZONE, Question.REMINDER_TIME, Question.MORNING_TIME, Question.DAYS}
)


@dataclass(frozen=True)
class Awaiting:
    """A pending question; pain questions name the session day they are about."""

    question: Question
    day: date | None = None

    def __post_init__(self) -> None:
        if (self.question in DATED_QUESTIONS) != (self.day is not None):
            raise ValueError(f"{self.question} needs a day exactly when it is about one")

    @classmethod
    def pain(cls, day: date) -> Awaiting:
        """Awaiting the pain score for the session of `day`."""
        return cls(Question.DURING_PAIN, day)

    @classmethod
    def morning(cls, day: date) -> Awaiting:
        """Awaiting the next-morning score after the session of `day`."""
        return cls(Question.MORNING_PAIN, day)


class PushKind(StrEnum):
    """What a push is; one of each kind at most per person and local date."""

    REMINDER = "reminder"
    SNOOZED = "snoozed"
    MORNING_QUESTION = "morning"  # how is the knee the morning after a session?
    NUDGE = "nudge"
    WEEKLY = "weekly"
    FOLLOWUP = "followup"  # a few days into a hold: could they see a clinician?


class PushStatus(StrEnum):
    """pending → claimed → sending → sent, or one of the other final states."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    EXPIRED = "expired"
    IN_DOUBT = "in_doubt"
    CANCELLED = "cancelled"


FINAL_STATUSES = frozenset(
    {
        PushStatus.SENT,
        PushStatus.SKIPPED,
        PushStatus.FAILED,
        PushStatus.EXPIRED,
        PushStatus.IN_DOUBT,
        PushStatus.CANCELLED,
    }
)


class SessionStatus(StrEnum):
    """How a logged session ended; no row at all means nothing was logged."""

    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class SessionEntry:
    """What the person says of a day's session: done or skipped, and the exercises left out
    of a done one ("skipped the lunges")."""

    day: date
    status: SessionStatus
    left_out: frozenset[str] = frozenset()


class PainKind(StrEnum):
    """When a pain score was given: during a session, the morning after it, or any day."""

    DURING = "during"
    NEXT_MORNING = "next_morning"
    DAY = "day"  # a score given outside a session ("my knee is 6 today")


class OnboardingStep(StrEnum):
    """Where /start has got to; DONE once the schedule is set (TIMEZONE covers the rest of it)."""

    DISCLAIMER = "disclaimer"
    RED_FLAGS = "red_flags"
    TIMEZONE = "timezone"
    DONE = "done"


class HoldKind(StrEnum):
    """Why the program is held: a red flag was tapped, or the coach advised a clinician review
    (two regressions in a row, a second severe score, severe pain at the easiest levels, a 10,
    mornings that stay high)."""

    RED_FLAG = "red_flag"
    REVIEW = "review"


class HoldEnd(StrEnum):
    """How a hold ended: the person says a clinician checked the knee, or (a review hold only)
    they chose to carry on with every exercise at its easiest level, or corrected the score
    that called for the review."""

    CLEARED = "cleared"
    EASIEST = "easiest"
    CORRECTED = "corrected"


class KneeEventKind(StrEnum):
    """Something the person told about their knee that is kept for /report and /export."""

    GAVE_WAY = "gave_way"


class GaveWayAnswer(StrEnum):
    """The answer to "did it follow a fall or an injury, can you stand on it?"."""

    INJURY = "injury"  # after a fall or an injury, with swelling: the red-flag screen
    NO_WEIGHT = "no_weight"  # cannot put weight on it: the red-flag screen
    NEITHER = "neither"  # the common kind: the balance exercises train it


class LinkEnd(StrEnum):
    """How a patient's sharing with a clinician (a care link) ended."""

    PATIENT = "patient"  # the patient stopped sharing (/physio), or shared with another
    REMOVED = "removed"  # the operator removed the clinician
    DELETED = "deleted"  # the patient erased their data (/delete)


class NoticeKind(StrEnum):
    """What a care notice tells: the clinician about a patient (sharing, alerts), or the
    patient about their clinician's action."""

    STARTED = "started"  # the patient started sharing
    STOPPED = "stopped"  # the patient stopped sharing (or erased their data)
    RED_FLAG = "red_flag"  # a warning sign tapped; detail: its key
    REVIEW = "review"  # a review hold started; detail: content.alerts.hold_detail
    EASIEST = "easiest"  # the patient chose the easiest levels instead of a review
    IDLE = "idle"  # no session for a while; detail: the last session's day, or empty
    CLEARED = "cleared"  # to the patient: the clinician cleared the hold
    MESSAGE = "message"  # a message relayed either way (content.alerts.Relayed)
    UNDELIVERED = "undelivered"  # to a message's sender: Telegram refused to deliver it
    EDITED = "edited"  # to the patient: the clinician changed an exercise; content.edits
    PAUSED = "paused"  # to the patient: the clinician paused the program's reminders
    RESUMED = "resumed"  # to the patient: the clinician resumed them; detail "eased" or ""
