"""Injectable time, so tests and the sandbox can move the clock instead of waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where the bot and the engine read the time; never call datetime.now directly."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time, for production."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The instant last set or advanced to; it does not move by itself."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant` (converted to UTC); it may move backwards."""
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self._now += delta


class ShiftedClock:
    """Real time plus an offset the sandbox can move forward (":wait 1d")."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        """The real current instant in UTC, shifted by the accumulated offset."""
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        """Shift this clock `delta` further from real time; the real clock keeps running."""
        self._offset += delta

    @property
    def offset(self) -> timedelta:
        """How far this clock runs ahead of real time."""
        return self._offset
