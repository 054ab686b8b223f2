"""/progress chart benchmark: how long the chart for a year of data takes, and whether other
users still get quick answers while charts are being drawn.

Runs the real bot against the Bot API emulator over HTTP on 127.0.0.1 (the emulator in its own
process, so its parsing of uploads is not counted against the bot), with Telegram's sending
limits lifted so only our own work is measured. Each run is done twice
on a fresh database: charts drawn in the bot's chart process (what ships), and drawn in a
worker thread of the bot process (for comparison).

    .venv/bin/python bench/chart.py [--database-url-template URL] [--renders 40] [--probes 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bench.reminders import TOKEN, start_emulator  # noqa: E402
from bot.app import SendingLimits, create_services  # noqa: E402
from content.catalogue import PainThresholds  # noqa: E402
from handlers.services import Services  # noqa: E402
from media.chart import ChartRows, render_pain_chart  # noqa: E402
from media.process import DrawingProcess  # noqa: E402
from sandbox.local import HandledUpdates, RemoteBotApi, running_bot  # noqa: E402
from scheduler.clock import SystemClock  # noqa: E402
from scheduler.engine import EngineConfig  # noqa: E402
from storage.models import ExerciseLevel, PainCheckin, SessionExercise, SessionLog, User  # noqa: E402
from storage.training import sessions_with_pain  # noqa: E402

CHART_USERS = range(1, 5)  # four people asking for charts over and over
PROBE_USERS = range(1001, 1101)  # a hundred others asking for /today
WEEKS = 52


def user_row(user_id: int, now: datetime, joined: datetime) -> dict[str, object]:
    return {
        "id": user_id,
        "chat_id": user_id,
        "first_name": "Bench",
        "timezone": "Europe/Berlin",
        "training_days": "0,2,4",
        "reminder_time": clock_time(18, 0),
        "onboarding_step": "done",
        "paused": False,
        "reachable": True,
        "created_at": joined,
        "next_slot_at": now + timedelta(days=1),
    }


async def seed(services: Services, now: datetime) -> None:
    """Chart users with a year of Mon/Wed/Fri sessions, both pain scores each; probe users new."""
    joined = now - timedelta(weeks=WEEKS)
    catalogue = services.catalogue
    slugs = [exercise.slug for exercise in catalogue.exercises]
    users = [user_row(user_id, now, joined) for user_id in (*CHART_USERS, *PROBE_USERS)]
    levels = [
        {"user_id": user["id"], "exercise": slug, "level": 2, "changed_at": now}
        for user in users
        for slug in slugs
    ]
    async with services.database.engine.begin() as connection:
        await connection.execute(insert(User), users)
        await connection.execute(insert(ExerciseLevel), levels)
        session_id = 0
        for user_id in CHART_USERS:
            logs, exercises, pain = [], [], []
            monday = (joined - timedelta(days=joined.weekday())).date()
            for week in range(WEEKS):
                for weekday in (0, 2, 4):
                    session_id += 1
                    day = monday + timedelta(weeks=week, days=weekday)
                    at = datetime.combine(day, clock_time(17, 30), UTC)
                    logs.append(
                        {
                            "id": session_id,
                            "user_id": user_id,
                            "local_date": day,
                            "status": "done",
                            "logged_at": at,
                        }
                    )
                    exercises += [
                        {"session_id": session_id, "exercise": slug, "level": 2, "done": True}
                        for slug in slugs
                    ]
                    for kind, score in (("during", (week + weekday) % 7), ("next_morning", 2)):
                        pain.append(
                            {
                                "user_id": user_id,
                                "session_id": session_id,
                                "kind": kind,
                                "score": score,
                                "recorded_at": at,
                            }
                        )
            await connection.execute(insert(SessionLog), logs)
            await connection.execute(insert(SessionExercise), exercises)
            await connection.execute(insert(PainCheckin), pain)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


class Bot:
    """The running bot, and a way to time one update from sending it to its reply delivered."""

    def __init__(self, control_url: str, handled: HandledUpdates) -> None:
        self.control_url, self.handled = control_url, handled
        self.http = aiohttp.ClientSession()

    async def ask(self, user_id: int, text: str) -> float:
        started = time.perf_counter()
        message = {"user_id": user_id, "text": text}
        async with self.http.post(f"{self.control_url}/message", json=message) as response:
            update_id = (await response.json())["update_id"]
        await self.handled.wait(update_id, timeout=60)
        return time.perf_counter() - started

    async def photos_sent(self) -> int:
        async with self.http.get(f"{self.control_url}/events") as response:
            return sum(event["method"] == "sendPhoto" for event in await response.json())


async def probe(bot: Bot, count: int) -> list[float]:
    """/today from the probe users in turn, one after another."""
    users = list(PROBE_USERS)
    return [await bot.ask(users[index % len(users)], "/today") for index in range(count)]


class ThreadCharts(DrawingProcess):
    """The variant that was measured and rejected: charts in a worker thread of the bot."""

    def __init__(self) -> None:
        super().__init__()
        self._thread = ThreadPoolExecutor(max_workers=1)  # one at a time, like the process

    async def draw(self, sessions: ChartRows, pain: PainThresholds) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, render_pain_chart, sessions, pain)


async def measure(
    database_url: str, renders: int, probes: int, in_thread: bool
) -> list[tuple[str, str]]:
    services = await create_services(database_url, SystemClock())
    if in_thread:
        services = replace(services, drawing=ThreadCharts())
    now = datetime.now(UTC)
    await seed(services, now)
    async with services.database.transaction() as db:
        year = await sessions_with_pain(db, CHART_USERS[0], done_only=True)
    points = [(row.day, row.during, row.morning) for row in reversed(year)]
    pain = services.catalogue.program.pain

    render_alone = []
    for _ in range(renders):
        started = time.perf_counter()
        chart = render_pain_chart(points, pain)
        render_alone.append(time.perf_counter() - started)

    emulator, api_url = start_emulator()
    limits = SendingLimits(overall_per_second=1000, chat_burst=100_000)
    async with running_bot(
        services,
        RemoteBotApi(api_url, TOKEN),
        engine_config=EngineConfig(tick_seconds=3600),
        limits=limits,
    ) as running:
        bot = Bot(api_url.removesuffix("/bot") + "/_emulator", running.handled)
        await bot.ask(PROBE_USERS[0], "/today")  # warm up, and start the chart process
        await bot.ask(CHART_USERS[-1], "/progress")

        progress_alone = [await bot.ask(CHART_USERS[0], "/progress") for _ in range(renders)]
        idle = await probe(bot, probes)

        charts_sent = 0
        busy = asyncio.Event()

        async def keep_asking(user_id: int) -> None:
            nonlocal charts_sent
            while not busy.is_set():
                await bot.ask(user_id, "/progress")
                charts_sent += 1

        askers = [asyncio.create_task(keep_asking(user_id)) for user_id in CHART_USERS]
        await asyncio.sleep(0.5)
        loaded_started = time.perf_counter()
        loaded = await probe(bot, probes)
        loaded_seconds = time.perf_counter() - loaded_started
        busy.set()
        await asyncio.gather(*askers)
        assert await bot.photos_sent() == 1 + renders + charts_sent, "a chart went missing"
        await bot.http.close()
    emulator.terminate()
    emulator.wait()
    await services.database.dispose()

    render_p50, render_p95 = percentiles(render_alone)
    progress_p50, progress_p95 = percentiles(progress_alone)
    idle_p50, idle_p95 = percentiles(idle)
    loaded_p50, loaded_p95 = percentiles(loaded)
    return [
        (
            "chart for a year (156 sessions, 312 scores): render only",
            f"{render_p50:.0f} / {render_p95:.0f}",
        ),
        ("/progress for that user, end to end", f"{progress_p50:.0f} / {progress_p95:.0f}"),
        ("/today for other users, idle", f"{idle_p50:.1f} / {idle_p95:.1f}"),
        (
            "/today for other users, while 4 users ask for charts",
            f"{loaded_p50:.1f} / {loaded_p95:.1f}",
        ),
        ("charts sent meanwhile, per second", f"{charts_sent / loaded_seconds:.1f}"),
        (
            "loaded ÷ idle (target < 2)",
            f"{loaded_p50 / idle_p50:.2f} / {loaded_p95 / idle_p95:.2f}",
        ),
        ("chart PNG size", f"{len(chart) / 1024:.0f} KB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--probes", type=int, default=300)
    args = parser.parse_args()
    results = []
    for in_thread in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            results.append(asyncio.run(measure(url, args.renders, args.probes, in_thread)))
    print("| measure (SQLite), p50 / p95 ms | chart process (shipped) | worker thread |")
    print("|---|---|---|")
    for (name, shipped), (_name, thread) in zip(*results, strict=True):
        print(f"| {name} | {shipped} | {thread} |")


if __name__ == "__main__":
    main()
