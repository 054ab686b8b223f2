"""The `kneecoach` command: run the bot, open the sandbox chat, upgrade the database, or check
the health of a running bot.

Whatever way the process ends, what it writes goes through the log redaction (bot.logs): a
start-up failure is one line saying what failed and which setting to check, with a non-zero
exit status; an unexpected error is one line too, its traceback in the (redacted) log.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.logs import configure_logging, redact
from bot.settings import ENV_PREFIX, Settings, SettingsError, load_settings
from content.catalogue import ContentError

if TYPE_CHECKING:
    from telegram.error import TelegramError

    from bot.app import KneeBot, Receiving
    from handlers.services import Services

# The bot, the database and the scheduler are imported where they are used, so that
# `kneecoach healthcheck`, run every 30 s in the container, starts fast and stays small.

log = logging.getLogger("kneecoach")
SANDBOX_DATABASE = "sqlite+aiosqlite:///kneecoach-sandbox/chat.db"


class StartupError(Exception):
    """Something the bot needs is not there: what failed, and the setting to check."""

    def __init__(self, what: str, variable: str, error: BaseException | None = None) -> None:
        reason = f": {_reason(error)}" if error is not None else ""
        super().__init__(f"{what}{reason}. Check {ENV_PREFIX}{variable}.")


def _reason(error: BaseException) -> str:
    """The first line of an error, from its driver when it has one (SQLAlchemy's own text
    adds the statement and a link)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [""]
    text = lines[0].strip()
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _database_errors() -> tuple[type[BaseException], ...]:
    """The errors a database driver raises when it cannot connect or write."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import DatabaseUnavailable

    return (DatabaseUnavailable, SQLAlchemyError, OSError)


def main(argv: list[str] | None = None) -> int:
    """Run the `kneecoach` command; returns the exit status (2: bad settings or content)."""
    # PTB's own opt-in to what its next major version gives: time spans as timedelta
    # (RetryAfter.retry_after), rather than seconds read with a deprecation warning.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = _parser().parse_args(argv)
    try:
        return _command(args, load_settings())
    except (SettingsError, ContentError, StartupError) as error:
        _say(f"kneecoach: {error}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
        return 0
    except Exception as error:  # the traceback goes to the redacted log, one line to stderr
        log.critical("stopped by an unexpected error", exc_info=error)
        _say(f"kneecoach: stopped by an unexpected error: {_reason(error)}")
        return 1


def _parser() -> argparse.ArgumentParser:
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
    sandbox.add_argument(
        "--as",
        dest="side",
        choices=["patient", "clinician"],
        default="patient",
        help="whose chat to type in first (:chat switches; default patient)",
    )
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"])
    health = commands.add_parser(
        "healthcheck",
        help="exit 0 if the bot at KNEECOACH_HTTP_HOST:KNEECOACH_HTTP_PORT answers /healthz",
    )
    health.add_argument(
        "--ready", action="store_true", help="ask /readyz (database and Bot API) instead"
    )
    health.add_argument("--timeout", type=float, default=4.0, help="seconds (default 4)")
    _clinician_parser(commands.add_parser("clinician", help="the practice's clinicians"))
    return parser


def _clinician_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default=None, help="the database (default KNEECOACH_DATABASE_URL)"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a clinician and print their one-time link")
    add.add_argument("name", help='their name as patients know it, e.g. "Ana Ruiz"')
    add.add_argument("--practice", default="", help='e.g. "Knee Clinic"')
    actions.add_parser("list", help="every clinician, with their id and state")
    remove = actions.add_parser("remove", help="remove a clinician: their patients stop sharing")
    remove.add_argument("id", type=int)


def _command(args: argparse.Namespace, settings: Settings) -> int:
    """Carry out one command; its exit status (its errors are main's to report)."""
    if args.command == "healthcheck":
        return healthcheck(settings, "/readyz" if args.ready else "/healthz", args.timeout)
    configure_logging(
        settings.log_level,
        settings.secrets(),
        json_lines=settings.log_format == "json",
        hash_user_ids=settings.log_hash_user_ids,
    )
    if args.command == "sandbox":
        logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
        from sandbox.chat import run_sandbox

        asyncio.run(run_sandbox(args.database_url, as_clinician=args.side == "clinician"))
    elif args.command == "clinician":
        from bot.clinicians import run as clinician_command

        return asyncio.run(clinician_command(args, settings))
    elif args.command == "db":
        asyncio.run(_upgrade(settings.database_url))
        print("database is up to date")
    else:
        with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
            runner.run(_run(settings, webhook=args.webhook))
    return 0


def _say(line: str) -> None:
    print(redact(line), file=sys.stderr)


def healthcheck(settings: Settings, path: str, timeout: float) -> int:
    """0 if the bot's HTTP server answers path with 200; otherwise 1 and one line on stderr."""
    host = settings.http_host
    if host in ("0.0.0.0", ""):  # listening everywhere: ask on loopback
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    if settings.http_port == 0:
        print("kneecoach healthcheck: KNEECOACH_HTTP_PORT is 0 (no HTTP server)", file=sys.stderr)
        return 1
    url = f"http://{host}:{settings.http_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        print(f"kneecoach healthcheck: {url}: {reason}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"kneecoach healthcheck: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


async def _upgrade(database_url: str) -> None:
    """The database migrated; a StartupError naming KNEECOACH_DATABASE_URL if it cannot be."""
    from storage.db import Database

    try:
        database = Database.open(database_url)
    except _database_errors() as error:
        raise StartupError("cannot open the database", "DATABASE_URL", error) from None
    try:
        await database.upgrade()
    except _database_errors() as error:
        raise StartupError("cannot open the database", "DATABASE_URL", error) from None
    finally:
        await database.dispose()


def receiving_from(settings: Settings, webhook: bool) -> Receiving:
    """How `kneecoach run` takes updates and where its HTTP server listens: none at all when
    KNEECOACH_HTTP_PORT is 0 (development), which --webhook cannot do without."""
    from bot.app import Receiving

    webhook_url, webhook_secret = settings.require_webhook() if webhook else (None, None)
    if webhook and settings.http_port == 0:
        raise SettingsError(
            f"{ENV_PREFIX}HTTP_PORT: is 0 (no HTTP server), but --webhook receives updates on it"
        )
    return Receiving(
        poll_timeout=settings.poll_timeout,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        http_host=settings.http_host if settings.http_port else None,
        http_port=settings.http_port,
        drain_seconds=settings.shutdown_seconds,
    )


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (it costs less CPU per update than asyncio's own loop:
    BENCHMARKS.md, update handling); asyncio's loop elsewhere."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(settings: Settings, webhook: bool) -> None:
    """Serve Telegram until SIGINT or SIGTERM. What fails before the bot serves is a
    StartupError naming the setting to check; what fails after, the error itself."""
    from telegram.error import TelegramError

    from bot.app import serve

    token = settings.require_token()
    receiving = receiving_from(settings, webhook)
    services = await _services(settings)
    bot = _knee_bot(settings, token, services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    mode = "webhook" if webhook else "long polling"
    log.info("Knee Coach is running (%s, database %s)", mode, services.database.engine.url)
    started = asyncio.Event()
    try:
        await serve(bot, stop, receiving, started)
    except (TelegramError, OSError) as error:
        if started.is_set():
            raise
        raise _startup_error(error, webhook) from None
    finally:
        await services.database.dispose()
    log.info("Knee Coach stopped cleanly")


async def _services(settings: Settings) -> Services:
    """The content loaded and the database opened; a StartupError when the database cannot
    be (a content error is main's to report)."""
    from bot.app import create_services
    from scheduler.clock import SystemClock

    try:
        return await create_services(settings.database_url, SystemClock(), settings.media_dir)
    except _database_errors() as error:
        raise StartupError("cannot open the database", "DATABASE_URL", error) from None


def _knee_bot(settings: Settings, token: str, services: Services) -> KneeBot:
    """The bot assembled with the reminder, sending and intake settings."""
    from bot.app import SendingLimits, build_application
    from bot.intake import IntakeConfig
    from scheduler.engine import EngineConfig

    engine_config = EngineConfig(
        tick_seconds=settings.tick_seconds,
        grace=timedelta(hours=settings.reminder_grace_hours),
        lease=timedelta(seconds=settings.claim_lease_seconds),
    )
    limits = SendingLimits(
        settings.messages_per_second, settings.chat_burst, settings.chat_per_second
    )
    intake = IntakeConfig(
        chat_queue_limit=settings.chat_queue_limit,
        lease=timedelta(seconds=settings.inbox_lease_seconds),
    )
    return build_application(token, settings.bot_api_url, services, engine_config, limits, intake)


def _startup_error(error: TelegramError | OSError, webhook: bool) -> StartupError:
    """What a failure before serving means, and the setting to check."""
    from telegram.error import BadRequest, InvalidToken

    if isinstance(error, InvalidToken):
        return StartupError("the Bot API refused the token", "TOKEN")
    if isinstance(error, BadRequest):
        what = "Telegram refused the webhook" if webhook else "Telegram refused a request"
        return StartupError(what, "WEBHOOK_URL" if webhook else "BOT_API_URL", error)
    if isinstance(error, OSError):
        return StartupError("cannot start the HTTP server", "HTTP_PORT", error)
    return StartupError("cannot reach the Bot API", "BOT_API_URL", error)


if __name__ == "__main__":
    sys.exit(main())
