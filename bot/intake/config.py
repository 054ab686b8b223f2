"""How the intake is sized and how long its claims and memories last (bot.cli reads them from
the settings; tests make them small)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class IntakeConfig:
    """workers: updates handled at once (each of a different chat). chat_queue_limit: updates
    a chat may have waiting. lease: how long a claim on a stored update outlives its process
    (claims are renewed while it lives). keep: how long handled update ids are remembered
    (Telegram re-sends for up to a day). max_attempts: processes that may take up one update
    before it is given up (one that keeps killing its handler must not block the restart)."""

    workers: int = 64
    chat_queue_limit: int = 20
    lease: timedelta = timedelta(seconds=30)
    keep: timedelta = timedelta(days=2)
    max_attempts: int = 3
