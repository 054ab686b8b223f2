"""`kneecoach sandbox`: chat with the real bot in the terminal, no Telegram token needed.

The emulator plays Telegram on 127.0.0.1, the bot long-polls it over HTTP exactly as it would
poll Telegram, and this module plays the user: what you type is sent as your message, and the
bot's buttons are shown numbered so you can press them.
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.app import HandledUpdates, create_services
from bot.emulator import BotApiEmulator, Event
from bot.local import LOCAL_TOKEN, running_bot
from scheduler.clock import ShiftedClock
from scheduler.engine import EngineConfig

SANDBOX_USER = 1001
REPLY_WAIT = 10.0
BANNER = """Knee Coach sandbox: the real bot, talking to a local stand-in for Telegram.
Type messages as you would in Telegram (/start, /today, done, pain 3).
  #N        press button N of the last message with buttons
  :wait 1d  move the clock forward (units: m, h, d)
  :quit     leave (or Ctrl-D); your chat is kept in the database for next time
"""
_WAIT = re.compile(r"^:wait\s+(\d{1,4})\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class Terminal:
    """Prints the bot's side of the chat and remembers the buttons on screen."""

    def __init__(self, output: TextIO, files_dir: Path) -> None:
        self.output = output
        self.files_dir = files_dir  # where photos and documents from the bot are saved
        self.buttons: list[tuple[int, str]] = []  # (message_id, callback_data) by number

    def show(self, event: Event) -> None:
        if event.method == "answerCallbackQuery":
            if event.text:
                self._print(f"   ({event.text})")
            return
        if event.chat_id != SANDBOX_USER:
            return
        prefix = "bot (edited)" if event.method.startswith("edit") else "bot"
        text = event.text
        if event.filename and event.document is not None:
            saved = self.files_dir / Path(event.filename).name
            saved.write_bytes(event.document)
            text = f"[file saved as {saved}, {len(event.document)} bytes] {text}"
        self._print(f"{prefix}> {text}")
        if event.buttons:
            self.buttons = []
            for row in event.buttons:
                labels = []
                for label, data in row:
                    self.buttons.append((event.message_id or 0, data))
                    labels.append(f"[{len(self.buttons)}] {label}")
                self._print("     " + "  ".join(labels))

    def _print(self, line: str) -> None:
        self.output.write(line + "\n")
        self.output.flush()


async def run_sandbox(
    database_url: str, source: TextIO = sys.stdin, output: TextIO = sys.stdout
) -> None:
    emulator = BotApiEmulator(LOCAL_TOKEN)
    await emulator.start()
    clock = ShiftedClock()
    services = await create_services(database_url, clock)
    # Reminders are checked every two seconds and right after ":wait"; a jump of up to two
    # days still delivers what fell due on the way.
    config = EngineConfig(tick_seconds=2, grace=timedelta(days=2))
    terminal = Terminal(output, Path.cwd())
    emulator.listeners.append(terminal.show)
    output.write(BANNER + "\n")
    try:
        async with running_bot(services, emulator, engine_config=config) as running:
            while True:
                output.write("you> ")
                output.flush()
                line = await asyncio.to_thread(source.readline)
                if not line or line.strip() == ":quit":
                    break
                if running.serving.done():
                    raise RuntimeError("the bot stopped") from running.serving.exception()
                await _handle(line.rstrip("\n"), emulator, clock, terminal, running.handled)
                if line.startswith(":wait"):
                    await running.engine.tick()
    finally:
        await emulator.stop()
        await services.database.dispose()
    output.write("\nBye! Your progress is saved.\n")


async def _handle(
    line: str,
    emulator: BotApiEmulator,
    clock: ShiftedClock,
    terminal: Terminal,
    handled: HandledUpdates,
) -> None:
    if line.startswith("#") and line[1:].strip().isdigit():
        number = int(line[1:])
        if not 1 <= number <= len(terminal.buttons):
            terminal.output.write("(no such button on screen)\n")
            return
        message_id, data = terminal.buttons[number - 1]
        emulator.press(SANDBOX_USER, message_id, data)
    elif wait := _WAIT.match(line.strip()):
        clock.advance(timedelta(**{_UNITS[wait[2]]: int(wait[1])}))
        terminal.output.write(
            f"(clock moved on; sandbox time is now {clock.now():%a %d %b %H:%M} UTC)\n"
        )
        return
    else:
        emulator.send_message(SANDBOX_USER, line)
    try:  # print the whole answer before the next prompt
        await handled.wait(emulator.last_update_id, timeout=REPLY_WAIT)
    except TimeoutError:
        terminal.output.write("(the bot is taking a while; its answer will appear here)\n")
