"""The push engine: one periodic job that plans, claims, sends and records every push (training
reminders, snoozed reminders, morning questions, nudges, weekly check-ins, hold follow-ups).

State lives in the database (storage.outbox), not in memory. A push moves
pending → claimed → sending → sent. A push is marked "sending" only once its own rate-limit
slot and departure have come, immediately before its request leaves, and goes back to
"claimed" while it waits out a 429 or a back-off. After a crash a "sending" row is "in doubt"
and is not sent again, because Telegram may already have shown it: a push is never sent
twice, and only the requests actually in flight at the crash can be in doubt.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from content.adherence import WEEK, tally_week, week_start
from content.catalogue import Catalogue
from content.i18n import use_language
from content.program import session_plan, sore_days_in_a_row, starting_levels
from content.progression import ClinicianReason, Progression, Scores
from content.psfs import due as activities_due
from content.states import PushKind, PushStatus, SessionStatus
from scheduler.calendar import local_now
from scheduler.clock import Clock
from scheduler.coalesce import Coalescer
from scheduler.notices import send_digests, send_notices
from scheduler.outgoing import Outgoing, PushRenderer, TrainingDay, send_text
from scheduler.planner import DayFacts, pushes_for_slot, review_hold
from scheduler.ratelimit import DEPARTED, TelegramRateLimiter, retry_after_seconds
from scheduler.slots import local_day, next_daily_slot
from storage import clinicians, holds, outbox, psfs, training
from storage.db import Database
from storage.holds import HoldView
from storage.models import User
from storage.outbox import ClaimedRow, DayRecords, NewPush

log = logging.getLogger(__name__)
UserRef = Callable[[int | None], str]


def worker_name() -> str:
    """A name unique to this process (host, pid, random suffix), written on the claims it holds."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class EngineConfig:
    """How the engine runs; the defaults suit one process sending to Telegram."""

    tick_seconds: float = 60.0
    grace: timedelta = timedelta(hours=3)
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 200
    # Pushes waiting for their slot or answer at once (each holds a claim, no "sending" mark).
    in_flight: int = 100
    send_retries: int = 3
    max_attempts: int = 5
    backoff_seconds: float = 0.5
    # The name on the claims it holds; None: a name of its own (worker_name), so engines
    # sharing one config never share a name.
    worker: str | None = None
    user_ref: UserRef = str  # how logs name a person (an id or a keyed hash)


@dataclass(frozen=True)
class PushContent:
    """What pushes say: the program in the default language and in each other one (for the
    exercise names a reminder lists), and the words of each push kind."""

    catalogue: Catalogue
    renderer: PushRenderer
    catalogues: Mapping[str, Catalogue] = field(default_factory=dict)

    def catalogue_for(self, language: str) -> Catalogue:
        """The program in a person's language (the default one for a language it lacks)."""
        return self.catalogues.get(language, self.catalogue)


class PushOutcome(StrEnum):
    """What happened to pushes in a tick: the engine counts these, its log line and /metrics
    name them. Declared in the order the log line lists them."""

    PLANNED = "planned"
    DUE = "due"
    SENT = "sent"
    RETRIED = "retried"  # waited out a 429 or a network error and went again, within the tick
    RETRY_LATER = "retry_later"  # gave up for this tick, due again a minute per attempt later
    FAILED = "failed"
    SKIPPED = "skipped"  # no longer applies when its time came (already logged, say)
    EXPIRED = "expired"  # later than the grace
    IN_DOUBT = "in_doubt"  # its request had left when a process stopped: never sent again
    UNREACHABLE = "unreachable"  # the person blocked the bot or the chat is gone
    RELEASED = "released"  # handed back to the queue untouched by a stopping process
    LOST_CLAIM = "lost_claim"  # another worker took it over meanwhile


@dataclass
class TickReport:
    """What one tick did: how many pushes ended in each outcome."""

    counts: Counter[PushOutcome] = field(default_factory=Counter)

    def line(self) -> str:
        """The counts as one log line, every outcome listed (zeros included) in a fixed order."""
        return ", ".join(f"{outcome} {self.counts[outcome]}" for outcome in PushOutcome)


@dataclass
class _Claimed:
    row: ClaimedRow
    outgoing: Outgoing | None = None

    @property
    def push_id(self) -> int:
        return self.row.push_id

    @property
    def user_id(self) -> int:
        return self.row.user_id

    @property
    def chat_id(self) -> int:
        return self.row.chat_id


def _wanted(push: ClaimedRow, user: User) -> bool:
    """Whether the person still gets this push: while a hold is open, only its follow-up and
    the morning question about the session before it."""
    if push.kind in (
        PushKind.FOLLOWUP,
        PushKind.MORNING_QUESTION,
    ):  # the morning score still counts
        held = user.on_hold or push.kind is PushKind.MORNING_QUESTION
        return held and user.onboarded and not user.paused and user.reachable
    return user.receives_pushes


class PushEngine:
    """Plans, claims, sends and records pushes. Replicas may each run one: every
    step claims its rows in the database, so no push is sent by two of them."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        content: PushContent,
        bot: ExtBot[Any],
        limiter: TelegramRateLimiter,
        config: EngineConfig | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.catalogue = content.catalogue
        self.content = content
        self.renderer = content.renderer
        self.bot = bot
        self.limiter = limiter
        self.config = config or EngineConfig()
        self.worker = self.config.worker or worker_name()
        self.user_ref = self.config.user_ref
        self.totals: Counter[PushOutcome] = Counter()
        self._lock = asyncio.Lock()
        self._notices_lock = asyncio.Lock()
        self._stopping = False
        self._mark_sending = Coalescer(self._mark_sending_now)
        self._book = Coalescer(self._book_now)
        self._outcomes: dict[int, tuple[_Claimed, PushOutcome]] = {}

    async def tick(self) -> TickReport:
        """One pass: recover stale claims, plan due slots, then send everything due."""
        async with self._lock:  # a slow fan-out is never overlapped by the next tick
            report = TickReport()
            if self._stopping:
                return report
            now = self.clock.now()
            async with self.database.transaction() as db:
                report.counts[PushOutcome.IN_DOUBT] += await outbox.recover_stale_claims(
                    db, now - self.config.lease
                )
            await self._plan(now, report)
            async with self.database.transaction() as db:
                report.counts[PushOutcome.EXPIRED] += await outbox.expire_pending(
                    db, now - self.config.grace
                )
            while not self._stopping and (batch := await self._claim(now)):
                report.counts[PushOutcome.DUE] += len(batch)
                await self._prepare(batch, now, report)
                await self._send_all(batch, report)
            if not self._stopping:
                await self._notices(now)
            self.totals.update(report.counts)
            if any(report.counts.values()):
                log.info("push tick: %s", report.line())
            return report

    async def send_notices_now(self) -> None:
        """The care notices a turn just queued, without waiting for the next tick: an
        emergency flag reaches the clinician at once. Claims make a notice go once, whichever
        of this and a tick takes it."""
        if self._stopping:
            return
        try:
            await self._send_notices(self.clock.now())
        except Exception:  # the next tick sends what this could not
            log.exception("sending care notices failed")

    async def _notices(self, now: datetime) -> None:
        """Care notices (scheduler.notices), after naming the patients gone quiet."""
        quiet = timedelta(days=self.catalogue.program.care.idle_alert_days)
        async with self.database.transaction() as db:
            await clinicians.alert_quiet_patients(db, now, quiet)
        await self._send_notices(now)
        await send_digests(self.database, self.bot, self.limiter, self.renderer, now)

    async def _send_notices(self, now: datetime) -> None:
        async with self._notices_lock:  # a tick waits for a wake's sends, and the reverse
            counts = await send_notices(self.database, self.bot, self.limiter, self.renderer, now)
        if counts:
            log.info(
                "care notices: sent %d, failed %d, again later %d",
                counts[PushStatus.SENT],
                counts[PushStatus.FAILED],
                counts[PushStatus.PENDING],
            )

    # -- planning -------------------------------------------------------------------------

    async def _plan(self, now: datetime, report: TickReport) -> None:
        program = self.catalogue.program
        weekly_after = timedelta(hours=program.reminders.weekly_checkin_after_hours)
        while True:
            async with self.database.transaction() as db:
                users = await outbox.users_to_plan(db, now, self.config.batch_size)
                if not users:
                    return
                records = await self._day_records(db, users, now)
                pushes: list[NewPush] = []
                for user in users:
                    pushes += self._plan_user(user, now, records, weekly_after, report)
                report.counts[PushOutcome.PLANNED] += await outbox.insert_pushes(db, pushes)

    def _plan_user(
        self,
        user: User,
        now: datetime,
        records: DayRecords,
        weekly_after: timedelta,
        report: TickReport,
    ) -> list[NewPush]:
        pushes: list[NewPush] = []
        slot = user.next_slot_at
        if slot is None:  # new, resumed or rescheduled: start from the next slot
            user.next_slot_at = next_daily_slot(now, user.reminder_time, user.timezone)[1]
            return pushes
        while slot <= now:
            day = local_day(slot, user.timezone)
            if now - slot <= self.config.grace:
                facts = DayFacts.of(user.id, user.weekdays, day, records)
                pushes += [
                    NewPush(user.id, push.kind, day, push.due_at)
                    for push in pushes_for_slot(facts, slot, weekly_after)
                ]
            else:
                report.counts[PushOutcome.EXPIRED] += (
                    1  # the bot was down for longer than the grace
                )
            after = max(slot, now - self.config.grace)
            slot = next_daily_slot(after, user.reminder_time, user.timezone)[1]
        user.next_slot_at = slot
        return pushes

    async def _day_records(self, db: AsyncSession, users: list[User], now: datetime) -> DayRecords:
        """Session records of the last few days, enough for any slot within the grace."""
        since = (now - self.config.grace - timedelta(days=3)).date()
        return await outbox.day_records(db, [user.id for user in users], since)

    # -- claiming -------------------------------------------------------------------------

    async def _claim(self, now: datetime) -> list[_Claimed]:
        async with self.database.transaction() as db:
            rows = await outbox.claim_due(db, now, self.worker, self.config.batch_size)
        return [_Claimed(row) for row in rows]

    # -- content --------------------------------------------------------------------------

    async def _prepare(self, batch: list[_Claimed], now: datetime, report: TickReport) -> None:
        """Decide each push's message from the state right now; skip what no longer applies."""
        skipped: list[int] = []
        async with self.database.transaction() as db:
            users = await outbox.users_by_id(db, {push.user_id for push in batch})
            records = await self._day_records(db, list(users.values()), now)
            levels = await outbox.levels_by_user(db, users)
            for push in batch:
                user = users.get(push.user_id)  # None: the user deleted their data meanwhile
                push.outgoing = None
                if user is not None and _wanted(push.row, user):
                    with use_language(user.language):  # each push in its recipient's words
                        push.outgoing = await self._render(
                            db, push.row, user, records, levels, now
                        )
                if push.outgoing is None:
                    skipped.append(push.push_id)
            await outbox.set_status(db, skipped, PushStatus.SKIPPED)
        report.counts[PushOutcome.SKIPPED] += len(skipped)

    async def _render(
        self,
        db: AsyncSession,
        push: ClaimedRow,
        user: User,
        records: DayRecords,
        levels: dict[int, dict[str, int]],
        now: datetime,
    ) -> Outgoing | None:
        """The push's message, or None when it no longer applies (already logged, say)."""
        day = DayFacts.of(user.id, user.weekdays, push.local_date, records)
        yesterday = push.local_date - timedelta(days=1)
        catalogue = self.content.catalogue_for(user.language)
        if push.kind is PushKind.FOLLOWUP:
            view = await holds.hold_view(db, catalogue.safety, user)
            return None if view is None else self.renderer.followup(user, view, push.local_date)
        if push.kind in (PushKind.REMINDER, PushKind.SNOOZED):
            if day.today is not None:
                return None
            eased = await training.ease_back_in(db, catalogue.program.progression, user, now)
            if eased is not None and eased.moves:
                levels[user.id] = await training.levels_of(user)
            plan = session_plan(catalogue, levels.get(user.id) or starting_levels(catalogue))
            recent = await training.day_scores(
                db,
                user.id,
                user.timezone,
                push.local_date - timedelta(days=3),
                push.local_date + timedelta(days=1),
            )
            training_day = TrainingDay(
                push.local_date,
                plan,
                missed_yesterday=day.yesterday_missed,
                snoozed=push.kind == PushKind.SNOOZED,
                gentle=sore_days_in_a_row(catalogue.program, recent, push.local_date),
                returned=eased if eased is not None and eased.moves else None,
            )
            return self.renderer.reminder(user, training_day)
        if push.kind == PushKind.MORNING_QUESTION:
            if day.yesterday != SessionStatus.DONE or day.yesterday_morning_logged:
                return None
            clock = local_now(now, user.timezone).time().replace(second=0, microsecond=0)
            late = clock > catalogue.program.reminders.morning_latest
            return self.renderer.morning(user, yesterday, late=late)
        if push.kind == PushKind.NUDGE:
            return None if day.yesterday is not None else self.renderer.nudge(user, yesterday)
        return await self._weekly(db, user, push.local_date, now)

    async def _weekly(self, db: AsyncSession, user: User, day: date, now: datetime) -> Outgoing:
        """The weekly check-in; mornings that stay high put the program on a review hold."""
        start = week_start(day)
        done_days = await training.done_days_between(db, user.id, start, start + WEEK)
        joined = local_day(user.created_at, user.timezone)
        tally = tally_week(done_days, user.weekdays, joined, start)
        await training.store_weekly_tally(db, user.id, start, tally.done, tally.planned)
        rules = Progression(self.catalogue)
        history = await training.session_history(db, user.id)
        since = await training.counted_from(db, user.id)
        if since is not None:  # mornings before a clearance (or a hold's end) are answered
            history = [
                record for record in history if record.day > local_day(since, user.timezone)
            ]
        scores = await training.day_scores(db, user.id, user.timezone, start, start + WEEK)
        review = None
        if rules.mornings_need_review(history):
            window = self.catalogue.program.progression.usual_morning_window
            evidence = tuple(record.scores for record in history if record.morning is not None)
            review = await self._hold_for_review(db, user, evidence[-window:], now)
        last_round = await psfs.last_round_day(db, user.id)
        due = review is None and activities_due(
            self.catalogue.program.psfs, joined, last_round, day
        )
        return self.renderer.weekly(user, tally, scores, review=review, ask_activities=due)

    async def _hold_for_review(
        self, db: AsyncSession, user: User, evidence: tuple[Scores, ...], now: datetime
    ) -> HoldView | None:
        """The weekly ceiling review: the program held for a clinician, with its follow-up."""
        after = self.catalogue.program.holds.followup_after_days
        new = review_hold(user, ClinicianReason.MORNINGS_HIGH, evidence, now, after)
        await holds.start_hold(db, user, new, now)
        return await holds.hold_view(db, self.catalogue.safety, user)

    # -- sending --------------------------------------------------------------------------

    async def _send_all(self, batch: list[_Claimed], report: TickReport) -> None:
        """Send each push on its own clock: it waits for its rate-limit slot and its departure
        while still "claimed", is marked "sending" only then, right before its request
        leaves, and is booked as soon as Telegram answers. Marks and bookings that fall due
        together share one statement (scheduler.coalesce), so statements stay few at high
        rates. A crash can therefore leave "in doubt" only pushes whose request had left."""
        ready = [push for push in batch if push.outgoing]
        gate = asyncio.Semaphore(self.config.in_flight)
        released: list[_Claimed] = []

        async def run(push: _Claimed) -> None:
            async with gate:
                outcome = (
                    PushOutcome.RELEASED if self._stopping else await self._deliver(push, report)
                )
            if outcome is PushOutcome.RELEASED:  # shutting down: the queue gets it back untouched
                released.append(push)
            elif outcome is not PushOutcome.LOST_CLAIM:
                counted = await self._booked(push, outcome)
                report.counts[counted] += 1
                if counted is PushOutcome.UNREACHABLE:
                    report.counts[PushOutcome.FAILED] += 1

        await asyncio.gather(*(run(push) for push in ready))
        if released:
            await self._release(released, report)

    async def _deliver(self, push: _Claimed, report: TickReport) -> PushOutcome:
        """Send one claimed push. Transient errors are retried with back-off, a 429 after its
        retry_after; while it waits the push is back to "claimed", so a crash loses nothing.
        Returns sent, unreachable, failed, retry_later, lost_claim, or released (the process
        is stopping and it never left)."""
        assert push.outgoing is not None
        failures = waits = 0
        while True:
            await self.limiter.reserve(push.chat_id)
            await self.limiter.depart()
            if self._stopping:
                return PushOutcome.RELEASED
            if not await self._mark_sending(push.push_id):
                return PushOutcome.LOST_CLAIM
            try:
                await send_text(
                    self.bot, push.chat_id, push.outgoing.text, push.outgoing.markup, DEPARTED
                )
                return PushOutcome.SENT
            except Forbidden as error:
                return self._unreachable(push, error)
            except BadRequest as error:
                if "chat not found" in str(error).lower():
                    return self._unreachable(push, error)
                log.error(
                    "push %s to %s refused: %s", push.push_id, self.user_ref(push.user_id), error
                )
                return PushOutcome.FAILED
            except RetryAfter as error:
                await self._move([push], PushStatus.SENDING, PushStatus.CLAIMED)
                waits += 1
                if waits > self.limiter.max_retries:
                    return self._give_up(push, error)
                report.counts[PushOutcome.RETRIED] += 1
                await asyncio.sleep(retry_after_seconds(error) + 0.05)
            except NetworkError as error:  # 5xx, time-outs
                await self._move([push], PushStatus.SENDING, PushStatus.CLAIMED)
                failures += 1
                if failures > self.config.send_retries:
                    return self._give_up(push, error)
                report.counts[PushOutcome.RETRIED] += 1
                await asyncio.sleep(self.config.backoff_seconds * 2 ** (failures - 1))

    def _give_up(self, push: _Claimed, error: Exception) -> PushOutcome:
        log.warning(
            "push %s to %s: giving up this tick: %s",
            push.push_id,
            self.user_ref(push.user_id),
            error,
        )
        return PushOutcome.RETRY_LATER

    async def _mark_sending_now(self, push_ids: list[int]) -> dict[int, bool]:
        held = await self._move_ids(
            push_ids, PushStatus.CLAIMED, PushStatus.SENDING, count_attempt=True
        )
        return {push_id: push_id in held for push_id in push_ids}

    async def _booked(self, push: _Claimed, outcome: PushOutcome) -> PushOutcome:
        """Book one push's outcome (with whatever else is answered meanwhile); returns what it
        counts as (a retry past the last attempt counts as failed)."""
        self._outcomes[push.push_id] = (push, outcome)
        return await self._book(push.push_id)

    async def _book_now(self, push_ids: list[int]) -> dict[int, PushOutcome]:
        outcomes = [self._outcomes.pop(push_id) for push_id in push_ids]
        counted = await self._record(outcomes)
        return dict(zip(push_ids, counted, strict=True))

    async def drain(self) -> None:
        """Stop claiming: groups already in flight finish and are booked, the rest of the
        batch goes back to the queue for the next process. Waits for the tick to end."""
        self._stopping = True
        async with self._lock:
            pass

    async def _release(self, group: list[_Claimed], report: TickReport) -> None:
        async with self.database.connection() as connection:
            await outbox.release_held(connection, [push.push_id for push in group], self.worker)
        report.counts[PushOutcome.RELEASED] += len(group)

    def _unreachable(self, push: _Claimed, error: Exception) -> PushOutcome:
        log.info(
            "%s cannot be reached (%s): stopping their pushes",
            self.user_ref(push.user_id),
            error,
        )
        return PushOutcome.UNREACHABLE

    async def _move(
        self,
        pushes: list[_Claimed],
        old: PushStatus,
        new: PushStatus,
        count_attempt: bool = False,
    ) -> set[int]:
        """Move pushes this worker still holds from one state to another; returns their ids."""
        return await self._move_ids(
            [push.push_id for push in pushes], old, new, count_attempt=count_attempt
        )

    async def _move_ids(
        self,
        push_ids: list[int],
        old: PushStatus,
        new: PushStatus,
        count_attempt: bool = False,
    ) -> set[int]:
        async with self.database.connection() as connection:
            step = outbox.Transition(old, new, count_attempt)
            return await outbox.move_held(
                connection, push_ids, self.worker, step, self.clock.now()
            )

    async def _record(self, outcomes: list[tuple[_Claimed, PushOutcome]]) -> list[PushOutcome]:
        """Book pushes' outcomes in one transaction; returns what each counts as."""
        now = self.clock.now()
        by_outcome: dict[PushOutcome, list[_Claimed]] = {}
        for push, outcome in outcomes:
            by_outcome.setdefault(outcome, []).append(push)
        gone = [push.user_id for push in by_outcome.get(PushOutcome.UNREACHABLE, [])]
        failed = [push.push_id for push in by_outcome.get(PushOutcome.FAILED, [])]
        sent = by_outcome.get(PushOutcome.SENT, [])
        counted = {push.push_id: outcome for push, outcome in outcomes}
        async with self.database.transaction() as db:
            # People's rows first, in id order, then their pushes: a turn locks the person's
            # row before it touches their pushes (storage.people.get_or_create_user), so
            # taking them in the same order can never deadlock with one.
            for push in sorted(sent, key=lambda push: push.user_id):
                if push.outgoing is not None and push.outgoing.awaiting is not None:
                    # a typed number answers the question this push asked
                    await outbox.ask_unless_busy(db, push.user_id, push.outgoing.awaiting)
            await outbox.stop_pushing(db, sorted(gone))
            await outbox.set_status(
                db, [push.push_id for push in sent], PushStatus.SENT, sent_at=now
            )
            for push in by_outcome.get(PushOutcome.RETRY_LATER, []):
                if push.row.attempts + 1 >= self.config.max_attempts:
                    failed.append(push.push_id)
                    counted[push.push_id] = PushOutcome.FAILED
                else:
                    due = now + timedelta(minutes=push.row.attempts + 1)
                    await outbox.retry_later(db, push.push_id, due)
            await outbox.set_status(db, failed, PushStatus.FAILED)
        return [counted[push.push_id] for push, _outcome in outcomes]
