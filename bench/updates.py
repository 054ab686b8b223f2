"""Update handling against a bare python-telegram-bot echo bot: CPU per update, latency, memory.

Each bot runs as its own process, long-polling the project's Bot API emulator, which runs in
this process together with the simulated people, so the bot's CPU time and RSS (read from
/proc) are its own. Telegram's sending limits are lifted (KNEECOACH_MESSAGES_PER_SECOND=1000,
a large per-chat burst) so the limiter is not what is measured.

For each bot: N people (onboarded through the real buttons for Knee Coach) send the mix
`/today`, `done`, `pain 3`, `/exercise hip_bump`, `/help`. A warm-up round learns how many
messages each input answers with; then a light-load phase sends one update at a time (latency
from sending the update to its last reply), and a saturation phase keeps every person's next
update waiting until their previous one is answered (updates/s, CPU ms per update). SQL
statements per update are counted for each input in a separate in-process run.

    .venv/bin/python bench/updates.py [--users 200] [--seconds 20] [--light 300]
                                      [--backends sqlite postgresql] [--rounds 1]

With --rounds N every bot runs N times, alternating, and the table shows each figure's
median: single runs on this shared machine move by a quarter to a half.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.reminders import TOKEN, database_for, drop_database  # noqa: E402
from sandbox.emulator import BotApiEmulator, Event  # noqa: E402

MIX = ("/today", "done", "pain 3", "/exercise hip_bump", "/help")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def echo_bot(api_url: str, aiohttp: bool) -> None:
    """The baseline: PTB 22 answering every text with itself and every button with a toast,
    with the same concurrency as Knee Coach and no database; on PTB's own HTTP client, or on
    Knee Coach's (bot.transport), to tell the client's share from the rest."""
    from telegram import Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None and update.effective_message.text:
            await update.effective_message.reply_text(update.effective_message.text)

    async def toast(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer("ok")

    builder = ApplicationBuilder().token(TOKEN).base_url(api_url).concurrent_updates(64)
    if aiohttp:
        from bot.transport import bot_api_clients

        requests, updates = bot_api_clients()
        builder = builder.request(requests).get_updates_request(updates)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(toast))
    application.run_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)


@dataclass
class Chats:
    """Per chat: the bot's messages seen so far, and waiters for the next ones."""

    emulator: BotApiEmulator
    counts: Counter[int] = field(default_factory=Counter)
    last: dict[int, Event] = field(default_factory=dict)
    waiters: dict[int, tuple[int, asyncio.Future[float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.emulator.listeners.append(self._seen)

    def _seen(self, event: Event) -> None:
        if event.chat_id is None or event.method == "answerCallbackQuery":
            return
        self.counts[event.chat_id] += 1
        if event.buttons:
            self.last[event.chat_id] = event
        waiter = self.waiters.get(event.chat_id)
        if waiter is not None and self.counts[event.chat_id] >= waiter[0]:
            del self.waiters[event.chat_id]
            if not waiter[1].done():
                waiter[1].set_result(time.perf_counter())

    async def answered(self, chat_id: int, act: Callable[[], object], replies: int) -> float:
        """Do act (send or press), then wait for `replies` more messages; returns seconds."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = (self.counts[chat_id] + replies, future)
        started = time.perf_counter()
        act()
        return await asyncio.wait_for(future, 30) - started

    async def settled(self, chat_id: int, act: Callable[[], object], quiet: float = 0.4) -> int:
        """Do act, then count messages until the chat has been quiet for `quiet` seconds."""
        before = self.counts[chat_id]
        act()
        while True:
            seen = self.counts[chat_id]
            await asyncio.sleep(quiet)
            if self.counts[chat_id] == seen and seen > before:
                return seen - before


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB / 1024


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


async def onboard(chats: Chats, emulator: BotApiEmulator, user_id: int) -> None:
    def press(label: str) -> Callable[[], object]:
        message = chats.last[user_id]
        return lambda: emulator.press(user_id, message.message_id or 0, message.button_data(label))

    await chats.settled(user_id, lambda: emulator.send_message(user_id, "/start"))
    await chats.settled(user_id, press("I understand"))
    screen = chats.last[user_id]
    none = next(label for row in screen.buttons for label, _ in row if "none" in label.lower())
    await chats.settled(user_id, press(none))
    await chats.settled(user_id, lambda: emulator.send_message(user_id, "Berlin"))
    await chats.settled(user_id, press("Save"))
    await chats.settled(user_id, press("18:00"))
    await chats.settled(user_id, press("8:00"))  # the morning check's time


@dataclass
class Result:
    name: str
    updates_per_second: float
    cpu_ms_per_update: float
    saturated_p50: float
    saturated_p95: float
    light_p50: float
    light_p95: float
    rss_mb: float
    rss_start_mb: float


def profile_summary(raw: Path, top: int = 15) -> list[str]:
    """The functions with the most samples in py-spy's collapsed stacks: own time (the frame
    running) and inclusive time (anywhere on the stack), as shares of all samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count, frames = int(count_text), stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"own time (of {total} samples):"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines.append("inclusive time, project code:")
    ours = [
        (frame, n)
        for frame, n in inclusive.most_common()
        if any(
            f"({package}/" in frame
            for package in ("bot", "handlers", "usecases", "scheduler", "storage", "content")
        )
    ]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in ours[:top]]
    return lines


async def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    users: int,
    seconds: float,
    light: int,
    profile: Path | None = None,
) -> Result:
    emulator = BotApiEmulator(TOKEN)
    emulator.accept_unknown_chats = True
    await emulator.start()
    chats = Chats(emulator)
    if "KNEECOACH_DATABASE_URL" in env:  # migrated first, as a restart finds it
        subprocess.run(  # noqa: ASYNC221 (once, before measuring)
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    process = subprocess.Popen(  # noqa: ASYNC220 (started once, before measuring)
        [part.replace("{api}", emulator.base_url) for part in command],
        env={**env, "KNEECOACH_BOT_API_URL": emulator.base_url},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await emulator.wait_for(
            lambda: any(method == "getUpdates" for _, method, _ in emulator.requests), 60
        )
        await asyncio.sleep(1)  # settled after start-up
        rss_start = rss_mb(process.pid)
        people = list(range(10_001, 10_001 + users))
        if not name.startswith("echo"):
            for start in range(0, users, 20):
                await asyncio.gather(
                    *(onboard(chats, emulator, p) for p in people[start : start + 20])
                )
        replies: dict[str, int] = {}
        for _round in range(2):  # the first round leaves everyone in the steady state
            for text in MIX:
                found = await asyncio.gather(
                    *(
                        chats.settled(p, lambda p=p, t=text: emulator.send_message(p, t))
                        for p in people
                    )
                )
                replies[text] = Counter(found).most_common(1)[0][0]

        def ask(person: int, text: str) -> Callable[[], object]:
            return lambda: emulator.send_message(person, text)

        light_load = [
            await chats.answered(
                people[i % users],
                ask(people[i % users], MIX[i % len(MIX)]),
                replies[MIX[i % len(MIX)]],
            )
            for i in range(light)
        ]
        saturated: list[float] = []
        stop_at = time.perf_counter() + seconds

        async def person_loop(person: int, offset: int) -> None:
            index = offset
            while time.perf_counter() < stop_at:
                text = MIX[index % len(MIX)]
                saturated.append(await chats.answered(person, ask(person, text), replies[text]))
                index += 1

        spy = None
        if profile is not None:
            spy = subprocess.Popen(  # noqa: ASYNC220 (started once, before measuring)
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(process.pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--gil",  # CPU only: a thread waiting for work holds no GIL
                    "--output",
                    str(profile),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        cpu_before, started = cpu_seconds(process.pid), time.perf_counter()
        await asyncio.gather(*(person_loop(p, i) for i, p in enumerate(people)))
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(process.pid) - cpu_before
        if spy is not None:
            await asyncio.to_thread(spy.wait, 60)
        return Result(
            name,
            len(saturated) / elapsed,
            cpu / len(saturated) * 1000,
            percentile(saturated, 0.5),
            percentile(saturated, 0.95),
            percentile(light_load, 0.5),
            percentile(light_load, 0.95),
            rss_mb(process.pid),
            rss_start,
        )
    finally:
        emulator.release_polls()
        process.terminate()
        process.wait(30)
        await emulator.stop()


async def statements_per_input(database_url: str, users: int) -> dict[str, float]:
    """SQL statements per update for each input of the mix (every person sends the same input
    at once, so a statement counted meanwhile belongs to it), with a SQLAlchemy event."""
    from sqlalchemy import event

    from bot.app import SendingLimits, create_services
    from sandbox.local import running_bot
    from scheduler.clock import SystemClock
    from scheduler.engine import EngineConfig
    from storage import inbox

    services = await create_services(database_url, SystemClock())
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    emulator = BotApiEmulator(TOKEN)
    emulator.accept_unknown_chats = True
    # The database kept the measured run's updates: number after them, as Telegram would
    # (else the bot takes the new ones for re-deliveries and stays silent).
    async with services.database.transaction() as db:
        emulator.continue_after(await inbox.last_update_id(db))
    await emulator.start()
    chats = Chats(emulator)
    limits = SendingLimits(overall_per_second=1000, chat_burst=100_000)
    config = EngineConfig(tick_seconds=3600)
    people = list(range(20_001, 20_001 + users))

    async def everyone_sends(text: str) -> None:
        await asyncio.gather(
            *(chats.settled(p, lambda p=p: emulator.send_message(p, text)) for p in people)
        )

    per_input: dict[str, float] = {}
    async with running_bot(services, emulator, engine_config=config, limits=limits):
        await asyncio.gather(*(onboard(chats, emulator, p) for p in people))
        for text in MIX:  # into the steady state, not counted
            await everyone_sends(text)
        event.listen(services.database.engine.sync_engine, "before_cursor_execute", count)
        for text in MIX:
            statements = 0
            await everyone_sends(text)
            per_input[text] = statements / users
    await emulator.stop()
    await services.database.dispose()
    return per_input


def median_result(name: str, found: list[Result]) -> Result:
    """Each figure's median over the rounds (a bot's rounds, one figure at a time)."""
    figures = [
        statistics.median(getattr(result, figure.name) for result in found)
        for figure in fields(Result)[1:]
    ]
    label = name if len(found) == 1 else f"{name}, median of {len(found)}"
    return Result(label, *figures)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--light", type=int, default=300)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument(
        "--rounds", type=int, default=1, help="run every bot this many times, alternating"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record each bot with py-spy during saturation; print the top functions",
    )
    parser.add_argument("--echo", metavar="API_URL", help=argparse.SUPPRESS)
    parser.add_argument("--echo-aiohttp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    if args.echo:
        echo_bot(args.echo, args.echo_aiohttp)
        return
    print(f"machine load before: {load_average()}", flush=True)
    base_env = {"PATH": os.environ["PATH"], "KNEECOACH_TOKEN": TOKEN}
    runs: dict[str, list[Result]] = {}
    statement_rows: dict[str, dict[str, float]] = {}
    # Each round runs every bot once; the table shows each bot's median round. Knee Coach's
    # CPU per update moved by half between single runs of unchanged code, the echo bot's
    # by a quarter: alternating them and taking medians shows what a single run cannot.
    for round_number in range(args.rounds):
        for name, extra in (("echo", []), ("echo on aiohttp", ["--echo-aiohttp"])):
            result = asyncio.run(
                measure(
                    name,
                    [sys.executable, __file__, "--echo", "{api}", *extra],
                    base_env,
                    args.users,
                    args.seconds,
                    args.light,
                    args.profile / f"{name.replace(' ', '-')}.txt" if args.profile else None,
                )
            )
            runs.setdefault(name, []).append(result)
        for backend in args.backends:
            with tempfile.TemporaryDirectory() as folder:
                url, pg_name = database_for(backend, Path(folder))
                print(f"round {round_number + 1}: load {load_average()}", flush=True)
                env = {
                    **base_env,
                    "KNEECOACH_DATABASE_URL": url,
                    "KNEECOACH_MESSAGES_PER_SECOND": "1000",
                    "KNEECOACH_CHAT_BURST": "100",
                    "KNEECOACH_TICK_SECONDS": "3600",
                    "KNEECOACH_HTTP_PORT": "0",
                    "KNEECOACH_POLL_TIMEOUT": "10",
                }
                name = f"Knee Coach ({backend})"
                spy = args.profile / f"kneecoach-{backend}.txt" if args.profile else None
                try:
                    runs.setdefault(name, []).append(
                        asyncio.run(
                            measure(
                                name,
                                [sys.executable, "-m", "bot.cli", "run"],
                                env,
                                args.users,
                                args.seconds,
                                args.light,
                                spy,
                            )
                        )
                    )
                    if backend not in statement_rows:
                        statement_rows[backend] = asyncio.run(statements_per_input(url, 20))
                finally:
                    if pg_name:
                        drop_database(pg_name)
    results = [median_result(name, found) for name, found in runs.items()]
    print(f"machine load after: {load_average()}")
    echo = results[0]
    print(
        "| bot | updates/s | CPU ms per update | saturated p50 / p95 ms | light-load p50 / p95 ms "
        "| RSS MB at start / end |"
    )
    print("|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row.name} | {row.updates_per_second:.0f} | {row.cpu_ms_per_update:.2f} | "
            f"{row.saturated_p50:.1f} / {row.saturated_p95:.1f} | "
            f"{row.light_p50:.1f} / {row.light_p95:.1f} | "
            f"{row.rss_start_mb:.0f} / {row.rss_mb:.0f} |"
        )
    for row in results[2:]:
        print(
            f"| {row.name} ÷ echo | {row.updates_per_second / echo.updates_per_second:.2f} | "
            f"{row.cpu_ms_per_update / echo.cpu_ms_per_update:.2f} (target ≤ 1.5) | "
            f"{row.saturated_p95 / echo.saturated_p95:.2f} | "
            f"{row.light_p95 / echo.light_p95:.2f} (target < 2) | (target < 80 MB) |"
        )
    if args.profile:
        for raw in sorted(args.profile.glob("*.txt")):
            print(f"\nprofile {raw.stem}:")
            print("\n".join(profile_summary(raw)))
    for backend, rows in statement_rows.items():
        print(f"\nSQL statements per update, by input ({backend}):")
        for text, value in rows.items():
            print(f"  {text}: {value:.1f}")


if __name__ == "__main__":
    main()
