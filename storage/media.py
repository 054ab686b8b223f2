"""The file_id Telegram gave each uploaded file, per bot, so a file is uploaded once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UploadedFile

# Built once, as every statement an update's reply runs (storage.training says why).
_FILE_ID = select(UploadedFile.file_id).where(
    UploadedFile.bot_id == bindparam("bot_id"), UploadedFile.key == bindparam("key")
)


async def file_id(db: AsyncSession, bot_id: int, key: str) -> str | None:
    """Telegram's file_id for the media `key` already uploaded by this bot, or None."""
    return await db.scalar(_FILE_ID, {"bot_id": bot_id, "key": key})


async def remember_file_id(
    db: AsyncSession, bot_id: int, key: str, telegram_file_id: str, now: datetime
) -> None:
    """Store (or replace) the file_id of the file under key."""
    row = await db.get(UploadedFile, (bot_id, key))
    if row is None:
        db.add(UploadedFile(bot_id=bot_id, key=key, file_id=telegram_file_id, uploaded_at=now))
    else:
        row.file_id, row.uploaded_at = telegram_file_id, now
