"""The files Telegram already holds for this bot (an exercise's animation): sent again by
their file_id, never uploaded twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import media


async def file_id(db: AsyncSession, bot_id: int, key: str) -> str | None:
    """Telegram's file_id for the file under `key`, if this bot uploaded it before."""
    return await media.file_id(db, bot_id, key)


async def remember_file_id(
    db: AsyncSession, bot_id: int, key: str, telegram_file_id: str, now: datetime
) -> None:
    """The file_id Telegram gave a new upload, for next time."""
    await media.remember_file_id(db, bot_id, key, telegram_file_id, now)
