"""Prometheus metrics: updates by type, handler latency, reminder outcomes, 429s, active users.

Each application has its own registry (tests run several in one process). Counters kept
elsewhere (the engine's totals, the rate limiter's 429 count) are read at scrape time rather
than copied, so there is one source for each number.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from telegram import Update

from scheduler.engine import ReminderEngine
from scheduler.ratelimit import TelegramRateLimiter
from storage import people
from storage.db import Database

REMINDER_OUTCOMES = ("due", "sent", "retried", "failed", "skipped", "expired", "in_doubt")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def update_type(update: object) -> str:
    """The kind of update: message, callback_query, edited_message, ..."""
    if not isinstance(update, Update):
        return "other"
    for name in Update.ALL_TYPES:
        if getattr(update, name, None) is not None:
            return name
    return "other"


class _EngineCollector(Collector):
    def __init__(self, engine: ReminderEngine, limiter: TelegramRateLimiter) -> None:
        self.engine, self.limiter = engine, limiter

    def collect(self) -> Iterator[CounterMetricFamily]:
        reminders = CounterMetricFamily(
            "kneecoach_reminders", "Reminder pushes by outcome, since start", labels=["outcome"]
        )
        for outcome in REMINDER_OUTCOMES:
            reminders.add_metric([outcome], self.engine.totals[outcome])
        yield reminders
        yield CounterMetricFamily(
            "kneecoach_telegram_429",
            "Requests Telegram answered with 429 Too Many Requests, since start",
            value=self.limiter.retries_after_429,
        )


class Metrics:
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
        self.webhook_refused = Counter(
            "kneecoach_webhook_refused",
            "Webhook requests refused, by reason",
            ["reason"],
            registry=self.registry,
        )

    def watch_engine(self, engine: ReminderEngine, limiter: TelegramRateLimiter) -> None:
        self.registry.register(_EngineCollector(engine, limiter))

    def count_update(self, update: object) -> None:
        self.updates.labels(update_type(update)).inc()

    async def exposition(self, database: Database) -> bytes:
        """The text Prometheus scrapes; active users are counted now, in one query."""
        async with database.transaction() as db:
            self.active_users.set(await people.count_receiving_pushes(db))
        return generate_latest(self.registry)
