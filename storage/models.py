"""Database tables: users and their schedule, session logs, pain check-ins, exercise levels,
level changes, what each session's review did, red-flag answers, clinician clearances, holds
and knee events, the reminder outbox, weekly reviews, files Telegram holds, the inbox of
updates from Telegram, and the practice's clinicians with their claim links, invites and the
patients' consent to share (care links)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from content.catalogue import Moment
from content.progression import Effort
from content.states import (
    Awaiting,
    GaveWayAnswer,
    HoldEnd,
    HoldKind,
    KneeEventKind,
    LinkEnd,
    NoticeKind,
    OnboardingStep,
    PainKind,
    PushKind,
    PushStatus,
    Question,
    SessionStatus,
)

EnumT = TypeVar("EnumT", bound=StrEnum)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) as well."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC (naive on SQLite, which keeps no zone)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC, whether the database kept the zone or not."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StrEnumColumn(TypeDecorator[EnumT], Generic[EnumT]):
    """A string column read back as its StrEnum, so states are compared as types, not text."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[EnumT], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """The enum's string value; a plain string is checked against the enum first."""
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> EnumT | None:
        """The stored string as its enum member; None stays None."""
        return None if value is None else self.enum(value)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(AsyncAttrs, DeclarativeBase):
    """The declarative base; its naming convention gives every constraint a stable name, and
    `awaitable_attrs` loads a relationship once per transaction (the ORM then keeps it
    current as rows are added and removed)."""

    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person using the bot: their schedule, language and where their conversation stands."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The bot's language for this person: en, ru or es.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Python weekdays (0 = Monday), comma separated, e.g. "0,2,4" for Mon/Wed/Fri.
    training_days: Mapped[str] = mapped_column(String(13))
    reminder_time: Mapped[time] = mapped_column(Time)
    # When the next-morning pain check comes, in the person's own time zone.
    morning_time: Mapped[time] = mapped_column(Time, default=time(8, 0), server_default="08:00:00")
    # Where /start has got to.
    onboarding_step: Mapped[OnboardingStep] = mapped_column(
        StrEnumColumn(OnboardingStep, 16), default=OnboardingStep.DISCLAIMER
    )
    # The question the next free-text reply answers, and the session day it is about.
    awaiting_question: Mapped[Question | None] = mapped_column(
        StrEnumColumn(Question, 16), default=None
    )
    awaiting_day: Mapped[date | None] = mapped_column(Date, default=None)
    disclaimer_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Since when a hold (a red flag, or the advice to have the knee reviewed) stops the
    # program: no sessions, no pushes but the hold's follow-up. Kept by storage.holds in step
    # with the open rows of `holds`; NULL = no hold.
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the program last came back after a break (levels one lower): once per break.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # False once Telegram says the user blocked the bot or the chat is gone.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The next daily slot at which the planner looks at this user; NULL = plan from now on.
    next_slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)

    # The exercises open to the person and their levels (storage.training reads and moves
    # them through this collection; the database deletes them with the person).
    exercise_levels: Mapped[list[ExerciseLevel]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def weekdays(self) -> tuple[int, ...]:
        """The training days as weekdays (Monday = 0), parsed from `training_days`."""
        return tuple(int(day) for day in self.training_days.split(",") if day)

    @property
    def awaiting(self) -> Awaiting | None:
        """The question a free-text reply answers now, or None; set it to change both columns."""
        question = self.awaiting_question
        return None if question is None else Awaiting(question, self.awaiting_day)

    @awaiting.setter
    def awaiting(self, value: Awaiting | None) -> None:
        self.awaiting_question = None if value is None else value.question
        self.awaiting_day = None if value is None else value.day

    @property
    def onboarded(self) -> bool:
        """Whether /start has been completed."""
        return self.onboarding_step == OnboardingStep.DONE

    @property
    def on_hold(self) -> bool:
        """Whether a hold stops the program (no sessions, no pushes) until it ends."""
        return self.held_since is not None

    @hybrid_property
    def receives_pushes(self) -> bool:
        """Whether the engine may plan pushes for this person; usable in queries as well."""
        return self.onboarded and not self.on_hold and not self.paused and self.reachable

    @receives_pushes.inplace.expression
    @classmethod
    def _receives_pushes_sql(cls) -> ColumnElement[bool]:
        return and_(
            cls.onboarding_step == OnboardingStep.DONE,
            cls.held_since.is_(None),
            cls.paused.is_(False),
            cls.reachable.is_(True),
        )


class SessionLog(Base):
    """One training session per user and local date: done or skipped."""

    __tablename__ = "session_logs"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date"),
        CheckConstraint("status IN ('done', 'skipped')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[SessionStatus] = mapped_column(StrEnumColumn(SessionStatus, 8))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The optional one-tap answer to "How hard was it?"; NULL = not answered (no effect).
    effort: Mapped[Effort | None] = mapped_column(StrEnumColumn(Effort, 12), default=None)

    # Loaded when asked for (`awaitable_attrs`, or selectinload in a query that needs them),
    # once per transaction; the ORM keeps both current as rows are added.
    exercises: Mapped[list[SessionExercise]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )
    review: Mapped[SessionReview | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class SessionExercise(Base):
    """Which exercises, at which level, a session contained when it was logged."""

    __tablename__ = "session_exercises"
    __table_args__ = (UniqueConstraint("session_id", "exercise"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session_logs.id", ondelete="CASCADE"))
    exercise: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(SmallInteger)
    done: Mapped[bool] = mapped_column(Boolean)

    session: Mapped[SessionLog] = relationship(back_populates="exercises")


class PainCheckin(Base):
    """A 0–10 pain score: during a session, the next morning, or for a day (no session).

    Never overwritten: a correction is a new row, and the row it corrects gets superseded_at
    and superseded_by. At most one row per session and kind is current (superseded_at NULL).
    """

    __tablename__ = "pain_checkins"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 10", name="score"),
        CheckConstraint("kind IN ('during', 'next_morning', 'day')", name="kind"),
        Index(
            "ix_pain_checkins_current",
            "session_id",
            "kind",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_logs.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[PainKind] = mapped_column(StrEnumColumn(PainKind, 16))
    score: Mapped[int] = mapped_column(SmallInteger)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    superseded_by: Mapped[int | None] = mapped_column(
        ForeignKey("pain_checkins.id", ondelete="SET NULL"), default=None
    )


class ExerciseLevel(Base):
    """The level a user is at for each exercise; a row exists once the exercise is unlocked."""

    __tablename__ = "exercise_levels"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    exercise: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LevelChange(Base):
    """Every step of an exercise up or down, every opening (from_level NULL), every move a
    corrected score undid (reason "corrected"; to_level 0 = locked again), and every change a
    clinician made (reason "clinician", clinician_id theirs; to_level 0 = locked), with why."""

    __tablename__ = "level_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise: Mapped[str] = mapped_column(String(32))
    from_level: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    to_level: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(String(24))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The clinician who made the change from their chat; NULL: the program's own rules.
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="SET NULL"), default=None
    )

    # Read with the change (one outer join): the history names the clinician as its author.
    clinician: Mapped[Clinician | None] = relationship(lazy="joined")


class SessionReview(Base):
    """What the progression review of one session did, so that a corrected score can re-run
    it (content.progression.revise): the state before its first review, and its moves."""

    __tablename__ = "session_reviews"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("session_logs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Before the first review: {exercise: level}, {exercise: "YYYY-MM-DD" it reached that level}
    # and the day of the latest opening (or the program's first day).
    levels_before: Mapped[dict[str, int]] = mapped_column(JSON)
    steps_before: Mapped[dict[str, str]] = mapped_column(JSON)
    last_unlock_before: Mapped[date | None] = mapped_column(Date, default=None)
    # The moves the review stands by now: [{exercise, step, why, level, new_level}, ...].
    moves: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The session's stance (carry_on / stop_today / see_clinician: the most serious of its
    # reviews, or the corrected one) and, for see_clinician, why.
    voice: Mapped[str] = mapped_column(String(16))
    clinician: Mapped[str | None] = mapped_column(String(24), default=None)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RedFlagAnswer(Base):
    """One answer on the red-flag screen: a flag's key, or "none" for "None of these"."""

    __tablename__ = "red_flag_answers"
    __table_args__ = (CheckConstraint("moment IN ('start', 'later')", name="moment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    flag: Mapped[str] = mapped_column(String(32))
    # Before the program started (at /start) or in the middle of it.
    moment: Mapped[Moment] = mapped_column(StrEnumColumn(Moment, 8))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Clearance(Base):
    """The person said a clinician has checked them: it ends every open hold (held_since is
    when the hold began; NULL in rows from before holds were kept); regressions before it no
    longer count towards "in a row"."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cleared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The clinician who cleared the hold from their chat; NULL: the person said one had.
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="SET NULL"), default=None
    )


class Hold(Base):
    """A time the program was held: a red flag tapped, or the advice to have the knee reviewed.
    Open while ended_at is NULL (users.held_since says whether any is open); at most one open
    hold of each kind. Kept after it ends, for /report, /history, /export and the charts."""

    __tablename__ = "holds"
    __table_args__ = (
        Index(
            "ix_holds_open",
            "user_id",
            "kind",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[HoldKind] = mapped_column(StrEnumColumn(HoldKind, 12))
    # A review hold's reason (content.progression.ClinicianReason); NULL for a red flag, whose
    # flags are the red_flag_answers since started_at.
    reason: Mapped[str | None] = mapped_column(String(24), default=None)
    # The sessions behind a review hold: [{"day": "YYYY-MM-DD", "during": n, "morning": n}].
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_by: Mapped[HoldEnd | None] = mapped_column(StrEnumColumn(HoldEnd, 12), default=None)


class KneeEvent(Base):
    """Something the person told about their knee that is not a score ("my knee gave way"),
    and their answer to the question it raised, kept for /report and /export."""

    __tablename__ = "knee_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[KneeEventKind] = mapped_column(StrEnumColumn(KneeEventKind, 16))
    answer: Mapped[GaveWayAnswer | None] = mapped_column(
        StrEnumColumn(GaveWayAnswer, 16), default=None
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PsfsActivity(Base):
    """An activity the person's knee makes hard, in their own words, for the Patient-Specific
    Functional Scale: the same ones are rated in every round, so rounds compare."""

    __tablename__ = "psfs_activities"
    __table_args__ = (UniqueConstraint("user_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3: the order they were named in
    name: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PsfsRating(Base):
    """How well the person could do one activity (0 = unable, 10 = as before), in the round of
    round_day: a round is the ratings of one local day; rating again that day replaces."""

    __tablename__ = "psfs_ratings"
    __table_args__ = (UniqueConstraint("activity_id", "round_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("psfs_activities.id", ondelete="CASCADE"))
    round_day: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Push(Base):
    """One scheduled message. The unique key makes planning it twice harmless, and its status
    moves pending → claimed → sending → sent (or skipped / failed / expired / in_doubt)."""

    __tablename__ = "pushes"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date", "kind"),
        Index("ix_pushes_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[PushKind] = mapped_column(StrEnumColumn(PushKind, 16))
    local_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[PushStatus] = mapped_column(
        StrEnumColumn(PushStatus, 12), default=PushStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)


class WeeklyReview(Base):
    """Sessions done against planned for one week, and the barrier the user named, if any."""

    __tablename__ = "weekly_reviews"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    sessions_done: Mapped[int] = mapped_column(SmallInteger)
    sessions_planned: Mapped[int] = mapped_column(SmallInteger)
    barrier: Mapped[str | None] = mapped_column(String(16), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PausePeriod(Base):
    """A time the person paused their reminders (/pause until /resume; ended_at NULL while
    it lasts), kept for the chart and /export."""

    __tablename__ = "pause_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class UploadedFile(Base):
    """A file Telegram already holds for this bot: sent again by its file_id, never uploaded
    twice. Keyed by the bot (a new token is a new bot and uploads afresh) and the file's
    content key (new content, new key)."""

    __tablename__ = "uploaded_files"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(256))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxUpdate(Base):
    """An update from Telegram, stored before Telegram is told it arrived (the getUpdates
    offset, the webhook's 2xx) and handled at least once: by the process that stored it
    (claimed_by), or by another once that claim is older than the lease. The row stays a while
    after it is handled, without its payload, so a re-delivery (or a second webhook replica) is
    recognised by its update_id."""

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_handled_at_received_at", "handled_at", "received_at"),
        Index("ix_inbox_chat_id_update_id", "chat_id", "update_id"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The update as Telegram sent it (JSON); cleared once handled, so nobody's words linger.
    payload: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Times a process took it up; an update that keeps killing its handler is given up.
    attempts: Mapped[int] = mapped_column(SmallInteger, default=1)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The chat it belongs to (NULL: none), so that replicas handle a chat's updates in order.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Clinician(Base):
    """A clinician of the practice, added by the operator; their Telegram account is set when
    they open their one-time claim link. Never deleted: removed_at ends the role and keeps
    the consent history that names them."""

    __tablename__ = "clinicians"
    __table_args__ = (
        # A Telegram account is at most one clinician at a time (a removed one frees it).
        Index(
            "ix_clinicians_telegram_id_live",
            "telegram_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    practice: Mapped[str] = mapped_column(String(100), default="")
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # What the bot speaks to the clinician (en, ru, es), whatever their patients speak.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The weekly digest's day (0 = Monday) and hour, in the clinician's zone; "soon" red-flag
    # alerts wait for the next of these hours (any day).
    digest_weekday: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=8, server_default="8")
    # When the last weekly digest went (at most once: set before it is sent).
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ClinicianClaim(Base):
    """A one-time link that makes a Telegram account a clinician. Only the token's SHA-256 is
    kept, so the table alone cannot be used to claim anyone."""

    __tablename__ = "clinician_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Invite(Base):
    """A clinician's patient invite code (the link's `p_<code>`); one live code per clinician,
    a new one revokes the old."""

    __tablename__ = "invites"
    __table_args__ = (
        Index(
            "ix_invites_live",
            "clinician_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CareLink(Base):
    """A patient's consent to share their data with one clinician: live while ended_at is
    NULL, at most one live link per patient. Kept after it ends, as the consent history
    /export shows (user_id is the patient, like every table of a person's rows)."""

    __tablename__ = "care_links"
    __table_args__ = (
        Index(
            "ix_care_links_live",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The version of the words the patient agreed to (what the clinician will see).
    wording_version: Mapped[int] = mapped_column(SmallInteger)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_by: Mapped[LinkEnd | None] = mapped_column(StrEnumColumn(LinkEnd, 12), default=None)
    # When the clinician was last told the patient has done no session for a while: one
    # alert per quiet stretch.
    idle_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # Read with the link (one join): the consent history names who was shared with.
    clinician: Mapped[Clinician] = relationship(lazy="joined", innerjoin=True)


class CareNotice(Base):
    """A message the care link carries: to a clinician (a patient started or stopped sharing,
    an alert about them) or to the patient (the clinician's clearance). Queued in the
    transaction that made the change, so a restart between that and the send loses none, and
    sent by the push engine at most once (status "sending" before its request leaves; a crash
    then leaves it in doubt, never sent twice), not before due_at. The patient's first name and
    the detail (flags, scores) are cleared once sent; a patient's /delete removes what was
    still to be said about them."""

    __tablename__ = "care_notices"
    __table_args__ = (Index("ix_care_notices_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NoticeKind] = mapped_column(StrEnumColumn(NoticeKind, 12))
    patient_name: Mapped[str] = mapped_column(String(64), default="")
    # The patient it is about (its buttons open them) or for: NULL for a notice that must
    # outlive the patient's rows (stopped sharing by /delete).
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    # True: the patient is told (in their chat and language); False: the clinician.
    to_patient: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the words quote (the flags tapped, the scores behind a hold), as the kind reads it.
    detail: Mapped[str] = mapped_column(String(200), default="", server_default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[PushStatus] = mapped_column(
        StrEnumColumn(PushStatus, 12), default=PushStatus.PENDING
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The relayed message it carries (NoticeKind.MESSAGE); it goes with the message.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_messages.id", ondelete="CASCADE"), default=None, index=True
    )


class CareMessage(Base):
    """A message between a patient and their clinician, relayed by the bot through a care
    notice: the words as typed and a photo's Telegram file id, kept for the patient's /export
    and erased by their /delete (user_id is the patient, whichever way it went). The relayed
    copy's message id in the recipient's chat is what a reply there answers, and a message
    from the patient counts as unread in the digest until the clinician answers."""

    __tablename__ = "care_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    # True: the patient wrote to the clinician; False: the clinician answered the patient.
    from_patient: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(255), default=None)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The relayed copy in the recipient's chat (NULL until it is delivered, or if it never is).
    relayed_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A patient's message: when their clinician answered them (NULL: not yet, unread).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # Read with the message (one join): /export names who it went to or came from. An outer
    # join, so that a notice read with its message (or none) keeps its row.
    clinician: Mapped[Clinician] = relationship(lazy="joined")
