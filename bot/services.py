"""What every handler may use, built once by the composition root (bot.app)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from content.catalogue import Catalogue
from content.matcher import ExerciseMatcher


@dataclass(frozen=True)
class Services:
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    catalogue: Catalogue
    matcher: ExerciseMatcher
