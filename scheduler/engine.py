"""The reminder engine: one periodic job that plans, claims, sends and records pushes.

State lives in the database, not in memory: `users.next_slot_at` says when to look at a user
next, and `pushes` rows (unique per user, local date and kind) are the outbox. A push moves
pending → claimed → sending → sent. Claims use FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite
serialises writers), so replicas never share a row. A push is marked "sending" only once its
rate-limit slot is reserved and just before the request leaves; after a crash such a row is
"in doubt" and is not sent again, because Telegram may already have shown it: a reminder is
never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.logs import user_ref
from bot.models import ExerciseLevel, PainCheckin, Push, SessionLog, User, WeeklyReview
from bot.services import Services
from content.program import session_plan, starting_levels
from content.progress import WEEK, tally_week, week_start
from scheduler import messages
from scheduler.planner import MORNING, NUDGE, REMINDER, SNOOZED, WEEKLY, DayFacts, pushes_for_slot
from scheduler.ratelimit import PREPAID, TelegramRateLimiter
from scheduler.slots import local_day, next_daily_slot

log = logging.getLogger(__name__)

FINAL = ("sent", "skipped", "failed", "expired", "in_doubt", "cancelled")


@dataclass(frozen=True)
class EngineConfig:
    tick_seconds: float = 60.0
    grace: timedelta = timedelta(hours=3)
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 200
    group_size: int = 25
    groups_in_flight: int = 4
    send_retries: int = 3
    max_attempts: int = 5
    backoff_seconds: float = 0.5


@dataclass
class TickReport:
    counts: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        keys = (
            "planned",
            "due",
            "sent",
            "retried",
            "failed",
            "skipped",
            "expired",
            "in_doubt",
            "unreachable",
            "released",
        )
        return ", ".join(f"{key} {self.counts[key]}" for key in keys)


def _facts_on(
    user: User, day: date, facts: dict[tuple[int, date], tuple[str | None, bool]]
) -> DayFacts:
    """DayFacts for one user and local date, from the (user, day) → (status, morning) map."""
    yesterday, morning_logged = facts.get((user.id, day - timedelta(days=1)), (None, False))
    return DayFacts(
        day, user.weekdays, yesterday, morning_logged, facts.get((user.id, day), (None, False))[0]
    )


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


async def insert_pushes(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert pushes, ignoring any whose (user, local date, kind) exists; returns rows added."""
    if not rows:
        return 0
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Push)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "local_date", "kind"])
    )
    result = await session.execute(statement)
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


@dataclass
class _Claimed:
    push_id: int
    user_id: int
    chat_id: int
    kind: str
    local_date: date
    attempts: int
    outgoing: messages.Outgoing | None = None


class ReminderEngine:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        limiter: TelegramRateLimiter,
        config: EngineConfig | None = None,
        worker: str | None = None,
    ) -> None:
        self.services = services
        self.bot = bot
        self.limiter = limiter
        self.config = config or EngineConfig()
        self.worker = worker or worker_name()
        self.totals: Counter[str] = Counter()
        self._lock = asyncio.Lock()
        self._stopping = False

    async def tick(self) -> TickReport:
        """One pass: recover stale claims, plan due slots, then send everything due."""
        async with self._lock:  # a slow fan-out is never overlapped by the next tick
            report = TickReport()
            if self._stopping:
                return report
            now = self.services.clock.now()
            await self._recover(now, report)
            await self._plan(now, report)
            await self._expire(now, report)
            while not self._stopping and (batch := await self._claim(now)):
                report.counts["due"] += len(batch)
                await self._prepare(batch, now, report)
                await self._send_all(batch, report)
            self.totals.update(report.counts)
            if any(report.counts.values()):
                log.info("reminder tick: %s", report.line())
            return report

    # -- planning -------------------------------------------------------------------------

    async def _plan(self, now: datetime, report: TickReport) -> None:
        program = self.services.catalogue.program
        weekly_after = timedelta(hours=program.reminders.weekly_checkin_after_hours)
        while True:
            async with self.services.sessions() as session, session.begin():
                users = list(
                    await session.scalars(
                        select(User)
                        .where(
                            User.receives_pushes,
                            or_(User.next_slot_at.is_(None), User.next_slot_at <= now),
                        )
                        .order_by(User.next_slot_at)
                        .limit(self.config.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                if not users:
                    return
                facts = await self._day_facts(session, users, now)
                rows: list[dict[str, Any]] = []
                for user in users:
                    rows += self._plan_user(user, now, facts, weekly_after, report)
                report.counts["planned"] += await insert_pushes(session, rows)

    def _plan_user(
        self,
        user: User,
        now: datetime,
        facts: dict[tuple[int, date], tuple[str | None, bool]],
        weekly_after: timedelta,
        report: TickReport,
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        slot = user.next_slot_at
        if slot is None:  # new, resumed or rescheduled: start from the next slot
            user.next_slot_at = next_daily_slot(now, user.reminder_time, user.timezone)[1]
            return rows
        while slot <= now:
            day = local_day(slot, user.timezone)
            if now - slot <= self.config.grace:
                day_facts = _facts_on(user, day, facts)
                rows += [
                    {
                        "user_id": user.id,
                        "kind": push.kind,
                        "local_date": day,
                        "due_at": push.due_at,
                        "status": "pending",
                        "attempts": 0,
                    }
                    for push in pushes_for_slot(day_facts, slot, weekly_after)
                ]
            else:
                report.counts["expired"] += 1  # the bot was down for longer than the grace
            after = max(slot, now - self.config.grace)
            slot = next_daily_slot(after, user.reminder_time, user.timezone)[1]
        user.next_slot_at = slot
        return rows

    async def _day_facts(
        self, session: AsyncSession, users: list[User], now: datetime
    ) -> dict[tuple[int, date], tuple[str | None, bool]]:
        """(user, day) → (session status, morning check answered), for the last few days."""
        since = (now - self.config.grace - timedelta(days=3)).date()
        rows = await session.execute(
            select(SessionLog.user_id, SessionLog.local_date, SessionLog.status, PainCheckin.id)
            .outerjoin(
                PainCheckin,
                and_(PainCheckin.session_id == SessionLog.id, PainCheckin.kind == "next_morning"),
            )
            .where(
                SessionLog.user_id.in_([user.id for user in users]), SessionLog.local_date >= since
            )
        )
        return {
            (user_id, day): (status, checkin is not None) for user_id, day, status, checkin in rows
        }

    # -- claiming -------------------------------------------------------------------------

    async def _recover(self, now: datetime, report: TickReport) -> None:
        """Claims of a crashed worker: unsent ones return to the queue, in-flight ones are
        in doubt (Telegram may have shown them) and are not sent again."""
        stale = now - self.config.lease
        async with self.services.sessions() as session, session.begin():
            await session.execute(
                update(Push)
                .where(Push.status == "claimed", Push.claimed_at < stale)
                .values(status="pending", claimed_by=None)
            )
            doubtful = await session.execute(
                update(Push)
                .where(Push.status == "sending", Push.claimed_at < stale)
                .values(status="in_doubt")
            )
            report.counts["in_doubt"] += max(doubtful.rowcount or 0, 0)  # type: ignore[attr-defined]

    async def _expire(self, now: datetime, report: TickReport) -> None:
        async with self.services.sessions() as session, session.begin():
            expired = await session.execute(
                update(Push)
                .where(Push.status == "pending", Push.due_at < now - self.config.grace)
                .values(status="expired")
            )
            report.counts["expired"] += max(expired.rowcount or 0, 0)  # type: ignore[attr-defined]

    async def _claim(self, now: datetime) -> list[_Claimed]:
        async with self.services.sessions() as session, session.begin():
            due = (
                select(Push.id)
                .where(Push.status == "pending", Push.due_at <= now)
                .order_by(Push.due_at, Push.id)
                .limit(self.config.batch_size)
                .with_for_update(skip_locked=True)
            )
            claimed = await session.execute(
                update(Push)
                .where(Push.id.in_(due.scalar_subquery()), Push.status == "pending")
                .values(status="claimed", claimed_by=self.worker, claimed_at=now)
                .returning(Push.id, Push.user_id, Push.kind, Push.local_date, Push.attempts)
            )
            rows = claimed.all()
            if not rows:
                return []
            chats = dict(
                (
                    await session.execute(
                        select(User.id, User.chat_id).where(
                            User.id.in_({row.user_id for row in rows})
                        )
                    )
                ).all()
            )
        return [
            _Claimed(
                row.id, row.user_id, chats[row.user_id], row.kind, row.local_date, row.attempts
            )
            for row in sorted(rows, key=lambda row: row.id)
        ]

    # -- content --------------------------------------------------------------------------

    async def _prepare(self, batch: list[_Claimed], now: datetime, report: TickReport) -> None:
        """Decide each push's message from the state right now; skip what no longer applies."""
        catalogue = self.services.catalogue
        skipped: list[int] = []
        async with self.services.sessions() as session, session.begin():
            users = {
                user.id: user
                for user in await session.scalars(
                    select(User).where(User.id.in_({push.user_id for push in batch}))
                )
            }
            facts = await self._day_facts(session, list(users.values()), now)
            levels: dict[int, dict[str, int]] = {}
            for row in await session.scalars(
                select(ExerciseLevel).where(ExerciseLevel.user_id.in_(users))
            ):
                levels.setdefault(row.user_id, {})[row.exercise] = row.level
            for push in batch:
                user = users.get(push.user_id)  # None: the user deleted their data meanwhile
                push.outgoing = None
                if user is None or not user.receives_pushes:
                    skipped.append(push.push_id)
                    continue
                day = _facts_on(user, push.local_date, facts)
                yesterday = push.local_date - timedelta(days=1)
                if push.kind in (REMINDER, SNOOZED) and day.today is None:
                    plan = session_plan(
                        catalogue, levels.get(user.id) or starting_levels(catalogue)
                    )
                    push.outgoing = messages.reminder(
                        push.local_date,
                        plan,
                        missed_yesterday=day.yesterday_missed,
                        snoozed=push.kind == SNOOZED,
                    )
                elif (
                    push.kind == MORNING
                    and day.yesterday == "done"
                    and not day.yesterday_morning_logged
                ):
                    push.outgoing = messages.morning(yesterday)
                elif push.kind == NUDGE and day.yesterday is None:
                    push.outgoing = messages.nudge(yesterday)
                elif push.kind == WEEKLY:
                    push.outgoing = await self._weekly(session, user, push.local_date)
                if push.outgoing is None:
                    skipped.append(push.push_id)
            if skipped:
                await session.execute(
                    update(Push).where(Push.id.in_(skipped)).values(status="skipped")
                )
        report.counts["skipped"] += len(skipped)

    async def _weekly(self, session: AsyncSession, user: User, day: date) -> messages.Outgoing:
        start = week_start(day)
        done_days = await session.scalars(
            select(SessionLog.local_date).where(
                SessionLog.user_id == user.id,
                SessionLog.status == "done",
                SessionLog.local_date >= start,
                SessionLog.local_date < start + WEEK,
            )
        )
        joined = local_day(user.created_at, user.timezone)
        tally = tally_week(done_days, user.weekdays, joined, start)
        done, planned = tally.done, tally.planned
        review = await session.get(WeeklyReview, (user.id, start))
        if review is None:
            session.add(
                WeeklyReview(
                    user_id=user.id, week_start=start, sessions_done=done, sessions_planned=planned
                )
            )
        else:
            review.sessions_done, review.sessions_planned = done, planned
        return messages.weekly(self.services.catalogue, start, done, planned)

    # -- sending --------------------------------------------------------------------------

    async def _send_all(self, batch: list[_Claimed], report: TickReport) -> None:
        """Send in small groups: a group reserves its rate-limit slots, is marked "sending" in
        one statement, leaves at once, and is booked in one statement when all have answered.
        Several groups are in flight, so one slow answer holds up only its own group."""
        ready = [push for push in batch if push.outgoing]
        size = self.config.group_size
        gate = asyncio.Semaphore(self.config.groups_in_flight)

        async def run(group: list[_Claimed]) -> None:
            async with gate:
                if self._stopping:  # shutting down: the queue gets these back untouched
                    await self._release(group, report)
                    return
                await asyncio.gather(*(self.limiter.reserve(push.chat_id) for push in group))
                held = await self._move(group, "claimed", "sending", count_attempt=True)
                outcomes = await asyncio.gather(
                    *(self._deliver(push, report) for push in group if push.push_id in held)
                )
                await self._record(list(outcomes), report)

        await asyncio.gather(*(run(ready[i : i + size]) for i in range(0, len(ready), size)))

    async def _deliver(self, push: _Claimed, report: TickReport) -> tuple[_Claimed, str]:
        """Send one push already marked "sending"; transient errors are retried with back-off.
        Returns the outcome: sent, unreachable, failed, retry (next tick) or lost_claim."""
        assert push.outgoing is not None
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                    for row in push.outgoing.keyboard
                ]
            )
            if push.outgoing.keyboard
            else None
        )
        for attempt in range(self.config.send_retries + 1):
            if attempt:  # back in the queue state while waiting, so a crash loses nothing
                await asyncio.sleep(self.config.backoff_seconds * 2 ** (attempt - 1))
                await self.limiter.reserve(push.chat_id)
                if not await self._move([push], "claimed", "sending", count_attempt=True):
                    return push, "lost_claim"
            try:
                await self.bot.send_message(
                    push.chat_id, push.outgoing.text, reply_markup=markup, rate_limit_args=PREPAID
                )
                return push, "sent"
            except Forbidden as error:
                return push, self._unreachable(push, error)
            except BadRequest as error:
                if "chat not found" in str(error).lower():
                    return push, self._unreachable(push, error)
                log.error("push %s to %s refused: %s", push.push_id, user_ref(push.user_id), error)
                return push, "failed"
            except (RetryAfter, NetworkError) as error:  # 5xx, time-outs, 429 after retries
                await self._move([push], "sending", "claimed")
                if attempt == self.config.send_retries:
                    log.warning(
                        "push %s to %s: giving up this tick: %s",
                        push.push_id,
                        user_ref(push.user_id),
                        error,
                    )
                    return push, "retry"
                report.counts["retried"] += 1
        return push, "retry"

    async def drain(self) -> None:
        """Stop claiming: groups already in flight finish and are booked, the rest of the
        batch goes back to the queue for the next process. Waits for the tick to end."""
        self._stopping = True
        async with self._lock:
            pass

    async def _release(self, group: list[_Claimed], report: TickReport) -> None:
        async with self.services.engine.begin() as connection:
            await connection.execute(
                update(Push.__table__)
                .where(
                    Push.id.in_([push.push_id for push in group]),
                    Push.status == "claimed",
                    Push.claimed_by == self.worker,
                )
                .values(status="pending", claimed_by=None, claimed_at=None)
            )
        report.counts["released"] += len(group)

    def _unreachable(self, push: _Claimed, error: Exception) -> str:
        log.info("%s cannot be reached (%s): stopping their pushes", user_ref(push.user_id), error)
        return "unreachable"

    async def _move(
        self, pushes: list[_Claimed], old: str, new: str, count_attempt: bool = False
    ) -> set[int]:
        """Move pushes this worker still holds from one state to another; returns their ids."""
        async with self.services.engine.begin() as connection:
            result = await connection.execute(
                update(Push.__table__)
                .where(
                    Push.id.in_([push.push_id for push in pushes]),
                    Push.status == old,
                    Push.claimed_by == self.worker,
                )
                .values(
                    status=new,
                    claimed_at=self.services.clock.now(),
                    attempts=Push.attempts + int(count_attempt),
                )
                .returning(Push.id)
            )
            return set(result.scalars())

    async def _record(self, outcomes: list[tuple[_Claimed, str]], report: TickReport) -> None:
        """Book a group's outcomes in one transaction."""
        now = self.services.clock.now()
        by_outcome: dict[str, list[_Claimed]] = {}
        for push, outcome in outcomes:
            by_outcome.setdefault(outcome, []).append(push)
        gone = [push.user_id for push in by_outcome.get("unreachable", [])]
        failed = [push.push_id for push in by_outcome.get("failed", [])]
        sent = by_outcome.get("sent", [])
        async with self.services.sessions() as session, session.begin():
            if sent:
                await session.execute(
                    update(Push)
                    .where(Push.id.in_([push.push_id for push in sent]))
                    .values(status="sent", sent_at=now)
                )
            questions = [push for push in sent if push.outgoing and push.outgoing.awaiting]
            for push in questions:  # a typed number answers the question this push asked
                await session.execute(
                    update(User)
                    .where(
                        User.id == push.user_id,
                        or_(
                            User.awaiting.is_(None),
                            User.awaiting.like("pain:%"),
                            User.awaiting.like("morning:%"),
                        ),
                    )
                    .values(awaiting=push.outgoing.awaiting if push.outgoing else None)
                )
            if gone:
                await session.execute(
                    update(User)
                    .where(User.id.in_(gone))
                    .values(reachable=False, next_slot_at=None)
                )
                await session.execute(
                    update(Push)
                    .where(Push.user_id.in_(gone), Push.status.not_in(FINAL))
                    .values(status="cancelled")
                )
            for push in by_outcome.get("retry", []):
                if push.attempts + 1 >= self.config.max_attempts:
                    failed.append(push.push_id)
                else:
                    await session.execute(
                        update(Push)
                        .where(Push.id == push.push_id)
                        .values(
                            status="pending",
                            claimed_by=None,
                            due_at=now + timedelta(minutes=push.attempts + 1),
                        )
                    )
            if failed:
                await session.execute(
                    update(Push).where(Push.id.in_(failed)).values(status="failed")
                )
        report.counts["sent"] += len(sent)
        report.counts["unreachable"] += len(gone)
        report.counts["failed"] += len(failed) + len(gone)
