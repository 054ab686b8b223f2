"""/report benchmark: how long a 12-week report takes for a person with a year of data, and
whether other people still get quick answers while reports are being made.

Same set-up as bench/chart.py: four people with a year of Mon/Wed/Fri sessions (both pain
scores each) and a hundred others, the real bot against the Bot API emulator in its own
process over HTTP on 127.0.0.1, Telegram's sending limits lifted. "Gather" reads and words the
report in one database transaction (as the handler does); "render" lays out the PDF with its
chart in this process; "end to end" is from the update entering the emulator to the document
accepted by it. Under load the four people ask for `/report 12` again and again while the
others send `/today` one after another.

    .venv/bin/python bench/report.py [--renders 40] [--probes 300]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from bench.chart import CHART_USERS, PROBE_USERS, Bot, percentiles, probe, seed  # noqa: E402
from bench.reminders import TOKEN, start_emulator  # noqa: E402
from bot.app import SendingLimits, create_services  # noqa: E402
from content.i18n import use_language  # noqa: E402
from handlers.report import report_document  # noqa: E402
from media.report import render_report  # noqa: E402
from sandbox.local import RemoteBotApi, running_bot  # noqa: E402
from scheduler.clock import SystemClock  # noqa: E402
from scheduler.engine import EngineConfig  # noqa: E402
from scheduler.slots import local_day  # noqa: E402
from storage.models import User  # noqa: E402
from usecases.report import gather_report  # noqa: E402

WEEKS = 12


async def documents_sent(bot: Bot) -> int:
    async with bot.http.get(f"{bot.control_url}/events") as response:
        return sum(event["method"] == "sendDocument" for event in await response.json())


async def measure(database_url: str, renders: int, probes: int) -> list[tuple[str, str]]:
    services = await create_services(database_url, SystemClock())
    now = datetime.now(UTC)
    await seed(services, now)
    catalogue = services.catalogue

    gather_times, render_times = [], []
    for _ in range(renders + 1):
        started = time.perf_counter()
        async with services.database.transaction() as db:
            user = await db.get(User, CHART_USERS[0])
            assert user is not None
            today = local_day(now, user.timezone)
            data = await gather_report(db, catalogue, user, today, WEEKS)
            assert data is not None
            with use_language(user.language):
                document = report_document(data, catalogue)
        gathered = time.perf_counter()
        pdf = render_report(document)
        rendered = time.perf_counter()
        gather_times.append(gathered - started)
        render_times.append(rendered - gathered)
    gather_times, render_times = gather_times[1:], render_times[1:]  # the first loads fonts
    totals = [a + b for a, b in zip(gather_times, render_times, strict=True)]
    pages = len(PdfReader(io.BytesIO(pdf)).pages)

    emulator, api_url = start_emulator()
    limits = SendingLimits(overall_per_second=1000, chat_burst=100_000)
    async with running_bot(
        services,
        RemoteBotApi(api_url, TOKEN),
        engine_config=EngineConfig(tick_seconds=3600),
        limits=limits,
    ) as running:
        bot = Bot(api_url.removesuffix("/bot") + "/_emulator", running.handled)
        await bot.ask(PROBE_USERS[0], "/today")  # warm up, and start the drawing process
        await bot.ask(CHART_USERS[-1], f"/report {WEEKS}")

        end_to_end = [await bot.ask(CHART_USERS[0], f"/report {WEEKS}") for _ in range(renders)]
        idle = await probe(bot, probes)

        reports_sent = 0
        busy = asyncio.Event()

        async def keep_asking(user_id: int) -> None:
            nonlocal reports_sent
            while not busy.is_set():
                await bot.ask(user_id, f"/report {WEEKS}")
                reports_sent += 1

        askers = [asyncio.create_task(keep_asking(user_id)) for user_id in CHART_USERS]
        await asyncio.sleep(0.5)
        loaded_started = time.perf_counter()
        loaded = await probe(bot, probes)
        loaded_seconds = time.perf_counter() - loaded_started
        busy.set()
        await asyncio.gather(*askers)
        assert await documents_sent(bot) == 1 + renders + reports_sent, "a report went missing"
        await bot.http.close()
    emulator.terminate()
    emulator.wait()
    await services.database.dispose()

    rows = []
    for name, samples in (
        ("12-week report, gather and word (one transaction)", gather_times),
        ("12-week report, render the PDF and its chart", render_times),
        ("12-week report, both (target p95 < 500)", totals),
        ("/report 12, end to end", end_to_end),
    ):
        p50, p95 = percentiles(samples)
        rows.append((name, f"{p50:.0f} / {p95:.0f}"))
    idle_p50, idle_p95 = percentiles(idle)
    loaded_p50, loaded_p95 = percentiles(loaded)
    rows += [
        ("/today for other users, idle", f"{idle_p50:.1f} / {idle_p95:.1f}"),
        (
            "/today for other users, while 4 users ask for reports",
            f"{loaded_p50:.1f} / {loaded_p95:.1f}",
        ),
        ("reports sent meanwhile, per second", f"{reports_sent / loaded_seconds:.1f}"),
        (
            "loaded ÷ idle (target < 2)",
            f"{loaded_p50 / idle_p50:.2f} / {loaded_p95 / idle_p95:.2f}",
        ),
        ("report PDF size, pages", f"{len(pdf) / 1024:.0f} KB, {pages}"),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--probes", type=int, default=300)
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        rows = asyncio.run(measure(url, args.renders, args.probes))
    print(f"load average before the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    print("| measure (SQLite), p50 / p95 ms | value |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
