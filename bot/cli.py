"""The `kneecoach` command: run the bot, open the sandbox chat, or upgrade the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import timedelta

from bot.app import Receiving, SendingLimits, build_application, create_services, serve
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from content.catalogue import ContentError
from scheduler.clock import SystemClock
from scheduler.engine import EngineConfig
from storage.db import Database

log = logging.getLogger("kneecoach")
SANDBOX_DATABASE = "sqlite+aiosqlite:///kneecoach-sandbox.db"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kneecoach", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve Telegram (needs KNEECOACH_TOKEN)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates at KNEECOACH_WEBHOOK_URL instead of long polling",
    )
    sandbox = commands.add_parser("sandbox", help="chat with the bot locally, no token needed")
    sandbox.add_argument(
        "--database-url",
        default=SANDBOX_DATABASE,
        help=f"where the sandbox keeps its data (default {SANDBOX_DATABASE})",
    )
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"])
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        secrets = [
            secret.get_secret_value()
            for secret in (settings.token, settings.webhook_secret)
            if secret is not None
        ]
        configure_logging(
            settings.log_level,
            secrets,
            json_lines=settings.log_format == "json",
            hash_user_ids=settings.log_hash_user_ids,
        )
        if args.command == "sandbox":
            logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
            from bot.sandbox import run_sandbox

            asyncio.run(run_sandbox(args.database_url))
        elif args.command == "db":
            asyncio.run(_upgrade(settings.database_url))
            print("database is up to date")
        else:
            asyncio.run(_run(settings, webhook=args.webhook))
    except (SettingsError, ContentError) as error:
        print(f"kneecoach: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
        return 0
    return 0


async def _upgrade(database_url: str) -> None:
    database = Database.open(database_url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


async def _run(settings: Settings, webhook: bool) -> None:
    token = settings.require_token()
    webhook_url, webhook_secret = settings.require_webhook() if webhook else (None, None)
    receiving = Receiving(
        poll_timeout=settings.poll_timeout,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        http_host=settings.http_host,
        http_port=settings.http_port,
        drain_seconds=settings.shutdown_seconds,
    )
    services = await create_services(settings.database_url, SystemClock(), settings.media_dir)
    engine_config = EngineConfig(
        tick_seconds=settings.tick_seconds,
        grace=timedelta(hours=settings.reminder_grace_hours),
        lease=timedelta(seconds=settings.claim_lease_seconds),
    )
    limits = SendingLimits(settings.messages_per_second, settings.chat_burst)
    bot = build_application(
        token, settings.bot_api_url, services, engine_config, limits, webhook=webhook
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    mode = "webhook" if webhook else "long polling"
    log.info("Knee Coach is running (%s, database %s)", mode, services.database.engine.url)
    try:
        await serve(bot, stop, receiving)
    finally:
        await services.database.dispose()
    log.info("Knee Coach stopped cleanly")


if __name__ == "__main__":
    sys.exit(main())
