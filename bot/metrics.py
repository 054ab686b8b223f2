"""Prometheus metrics: updates by type, updates dropped and queued, handler latency, push
outcomes, 429s, active users, and whether the database answered the scrape.

Each application has its own registry (tests run several in one process). Counters kept
elsewhere (the engine's totals, the rate limiter's 429 count, the intake's queue) are read at
scrape time rather than copied, so there is one source for each number. The page is served
even while the database is away: the active-users gauge then keeps its last value and
kneecoach_database_up says 0.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from telegram import Update

from scheduler.engine import PushEngine, PushOutcome
from scheduler.ratelimit import TelegramRateLimiter
from storage import people
from storage.db import Database

log = logging.getLogger(__name__)

# A scrape never waits longer than this for the database.
DATABASE_TIMEOUT = 2.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def update_type(kind: str) -> str:
    """The kind of update as a label: message, callback_query, edited_message, ... (a kind
    this PTB does not know is "other", so a forged one cannot add labels)."""
    return kind if kind in Update.ALL_TYPES else "other"


class _EngineCollector(Collector):
    def __init__(self, engine: PushEngine, limiter: TelegramRateLimiter) -> None:
        self.engine, self.limiter = engine, limiter

    def collect(self) -> Iterator[CounterMetricFamily]:
        pushes = CounterMetricFamily(
            "kneecoach_pushes", "Pushes by outcome, since start", labels=["outcome"]
        )
        for outcome in PushOutcome:
            pushes.add_metric([outcome.value], self.engine.totals[outcome])
        yield pushes
        yield CounterMetricFamily(
            "kneecoach_telegram_429",
            "Requests Telegram answered with 429 Too Many Requests, since start",
            value=self.limiter.retries_after_429,
        )


class Queue(Protocol):
    """Anything that can say how many updates wait (the intake)."""

    @property
    def queued(self) -> int:
        """Updates received and stored, waiting for or in their handler."""
        ...


class _QueueCollector(Collector):
    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "kneecoach_updates_queued",
            "Updates received and stored, waiting for or in their handler",
            value=self.queue.queued,
        )


class Metrics:
    """The process's Prometheus metrics, in a registry of their own (not the global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "kneecoach_updates",
            "Updates handled, by type",
            ["type"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "kneecoach_handler_seconds",
            "Time from an update's start to its replies sent, by handler",
            ["handler"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.active_users = Gauge(
            "kneecoach_active_users",
            "Users who get reminders: set up, not paused, reachable, not on a red-flag hold",
            registry=self.registry,
        )
        self.updates_dropped = Counter(
            "kneecoach_updates_dropped",
            "Updates not handled, by reason: flood (a chat's queue was full), unreadable "
            "(PTB could not read it), malformed (not an update), given_up (kept failing)",
            ["reason"],
            registry=self.registry,
        )
        self.database_up = Gauge(
            "kneecoach_database_up",
            "1 if the database answered this scrape; 0: kneecoach_active_users is stale",
            registry=self.registry,
        )
        self.webhook_refused = Counter(
            "kneecoach_webhook_refused",
            "Webhook requests refused, by reason",
            ["reason"],
            registry=self.registry,
        )

    def watch_engine(self, engine: PushEngine, limiter: TelegramRateLimiter) -> None:
        """Export the engine's totals and the limiter's 429 count at every scrape."""
        self.registry.register(_EngineCollector(engine, limiter))

    def watch_intake(self, intake: Queue) -> None:
        """Export how many updates the intake holds at every scrape."""
        self.registry.register(_QueueCollector(intake))

    def count_update(self, _update_id: int, kind: str) -> None:
        """Count one handled update by its type (an intake listener)."""
        self.updates.labels(update_type(kind)).inc()

    async def exposition(self, database: Database) -> bytes:
        """The text Prometheus scrapes; active users are counted now, in one query, if the
        database answers in time."""
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT), database.transaction() as db:
                self.active_users.set(await people.count_receiving_pushes(db))
            self.database_up.set(1)
        except Exception as error:  # served anyway: the other numbers matter most then
            log.warning("metrics: the database did not answer: %s", error)
            self.database_up.set(0)
        return generate_latest(self.registry)
