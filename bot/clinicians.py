"""`kneecoach clinician add|list|remove`: the operator's side of the practice's clinicians.
Adding one prints their one-time claim link (valid 7 days); the token is shown only here and
stored only as a hash."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from bot.settings import Settings
from scheduler.clock import SystemClock
from storage.db import Database
from usecases import clinicians

Print = Callable[[str], None]


async def run(args: argparse.Namespace, settings: Settings, say: Print = print) -> int:
    """Carry out one `clinician` action on a migrated database; its exit status."""
    database = Database.open(args.database_url or settings.database_url)
    try:
        await database.upgrade_if_needed()
        now = SystemClock().now()
        if args.action == "add":
            return await _add(database, args, settings, now, say)
        if args.action == "list":
            return await _list(database, say)
        async with database.transaction() as db:
            removed = await clinicians.remove_clinician(db, args.id, now)
        say(f"clinician {args.id} removed" if removed else f"no clinician {args.id} to remove")
        return 0 if removed else 1
    finally:
        await database.dispose()


async def _add(
    database: Database, args: argparse.Namespace, settings: Settings, now: datetime, say: Print
) -> int:
    name = args.name.strip()
    if not name:
        say("kneecoach: a clinician needs a name")
        return 2
    async with database.transaction() as db:
        added = await clinicians.add_clinician(db, name, args.practice, now)
        clinician_id = added.clinician.id
    payload = f"clin_{added.token}"
    username = await bot_username(settings)
    expires = added.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    say(f"clinician {clinician_id} added: {name}")
    say(f"one-time link (valid until {expires}), for {name} to open in Telegram:")
    say(f"  https://t.me/{username or '<bot username>'}?start={payload}")
    say(f"or send /start {payload} to the bot")
    return 0


async def _list(database: Database, say: Print) -> int:
    async with database.transaction() as db:
        found = await clinicians.list_clinicians(db)
        rows = [
            (
                clinician.id,
                clinician.name,
                clinician.practice,
                "removed"
                if clinician.removed_at
                else "linked"
                if clinician.telegram_id
                else "link not opened yet",
            )
            for clinician in found
        ]
    if not rows:
        say("no clinicians yet: kneecoach clinician add NAME --practice PRACTICE")
    for clinician_id, name, practice, state in rows:
        say(f"{clinician_id}\t{name}\t{practice}\t{state}")
    return 0


async def bot_username(settings: Settings) -> str | None:
    """The bot's username for t.me links: KNEECOACH_BOT_USERNAME, else Telegram's getMe
    when a token is set; None when neither says (the /start line still works)."""
    if settings.bot_username:
        return settings.bot_username.removeprefix("@")
    if settings.token is None:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.token.get_secret_value(), base_url=settings.bot_api_url) as bot:
            return bot.username
    except (TelegramError, OSError):
        return None
