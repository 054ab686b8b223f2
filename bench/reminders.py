"""Reminder fan-out benchmark: N users due in the same minute, Telegram's 30/s limit lifted.

Measures pushes per second, the engine process's CPU per push (steadier than pushes per
second on a busy machine), database statements per push and its peak RSS,
on SQLite and PostgreSQL, with three transports: the Bot API emulator over HTTP (in its own
process, so its memory is not counted) through PTB's Bot with PTB's own httpx client
("httpx") or with the aiohttp client the bot ships (bot.transport, "aiohttp"; issue 14 item
5), and "none", a bot whose send returns at once, which isolates the engine's own cost
(planning, claiming, booking) from the HTTP client.

    .venv/bin/python bench/reminders.py [--users 100000] [--backends sqlite postgresql]
                                        [--transports none httpx aiohttp]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456789:benchmark-token-abcdefghij"
POSTGRES_ADMIN = os.environ.get(
    "KNEECOACH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


async def prepare(database_url: str, users: int) -> None:
    """Migrate and insert users whose daily slot passed 30 s ago (every day a training day)."""
    from sqlalchemy import insert

    from storage.db import create_engine, upgrade
    from storage.models import User

    engine = create_engine(database_url)
    await upgrade(engine)
    now = datetime.now(UTC)
    slot = now - timedelta(seconds=30)
    rows = [
        {
            "id": user_id,
            "chat_id": user_id,
            "first_name": "Bench",
            "timezone": "UTC",
            "training_days": "0,1,2,3,4,5,6",
            "reminder_time": slot.time().replace(microsecond=0),
            "onboarding_step": "done",
            "paused": False,
            "reachable": True,
            "created_at": now,
            "next_slot_at": slot,
        }
        for user_id in range(1, users + 1)
    ]
    async with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(User), rows[start : start + 5000])
    await engine.dispose()


class NoTransport:
    """Stands in for the bot: every send succeeds at once."""

    async def send_message(self, *_args: object, **_kwargs: object) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def worker(database_url: str, api_url: str, transport: str) -> dict[str, float]:
    """The measured process: one engine tick that plans and sends everything due."""
    from sqlalchemy import event
    from telegram.ext import ExtBot
    from telegram.request import BaseRequest, HTTPXRequest

    from bot.app import create_services, push_engine
    from bot.transport import AiohttpRequest
    from scheduler.clock import SystemClock
    from scheduler.engine import EngineConfig
    from scheduler.ratelimit import TelegramRateLimiter

    services = await create_services(database_url, SystemClock())
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(services.database.engine.sync_engine, "before_cursor_execute", count)
    limiter = TelegramRateLimiter(overall_per_second=1_000_000, chat_burst=3)
    bot: ExtBot[None] | NoTransport = NoTransport()
    if transport != "none":
        request: BaseRequest = (
            AiohttpRequest(connection_pool_size=128)
            if transport == "aiohttp"
            else HTTPXRequest(connection_pool_size=128)
        )
        bot = ExtBot(TOKEN, base_url=api_url, rate_limiter=limiter, request=request)
        await bot.initialize()
    config = EngineConfig(batch_size=500)
    engine = push_engine(services, bot, limiter, config)  # type: ignore[arg-type]
    started, cpu_started = time.perf_counter(), time.process_time()
    report = await engine.tick()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    await bot.shutdown()
    await services.database.dispose()
    sent = report.counts["sent"]
    return {
        "sent": sent,
        "seconds": seconds,
        "per_second": sent / seconds,
        "cpu_ms_per_push": cpu * 1000 / max(sent, 1),
        "statements_per_push": statements / max(sent, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.emulator", "--token", TOKEN, "--accept-unknown-chats"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def database_for(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'bench.db'}", None
    import asyncpg

    name = f"kneecoach_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN)
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    asyncio.run(create())
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}", name


def drop_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    asyncio.run(drop())


def run(backend: str, transport: str, users: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url, pg_name = database_for(backend, Path(folder))
        emulator, api_url = start_emulator() if transport != "none" else (None, "none")
        try:
            asyncio.run(prepare(url, users))
            result = subprocess.run(
                [sys.executable, __file__, "--worker", url, api_url, transport],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            return json.loads(result.stdout.strip().splitlines()[-1])
        finally:
            if emulator is not None:
                emulator.terminate()
                emulator.wait()
            if pg_name:
                drop_database(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--transports", nargs="+", default=["none", "httpx", "aiohttp"])
    parser.add_argument("--worker", nargs=3, metavar=("DATABASE_URL", "API_URL", "TRANSPORT"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(*args.worker))))
        return
    print(
        "| backend | transport | users | pushes sent | seconds | pushes/s | statements/push "
        "| CPU ms/push | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in args.backends:
        for transport in args.transports:
            row = run(backend, transport, args.users)
            print(
                f"| {backend} | {transport} | {args.users:,} | {row['sent']:,.0f} | "
                f"{row['seconds']:.1f} | {row['per_second']:,.0f} | "
                f"{row['statements_per_push']:.2f} | {row['cpu_ms_per_push']:.2f} | "
                f"{row['peak_rss_mb']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
