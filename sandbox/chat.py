"""`kneecoach sandbox`: chat with the real bot in the terminal, no Telegram token needed.

The emulator plays Telegram on 127.0.0.1, the bot long-polls it over HTTP exactly as it would
poll Telegram, and this module plays the user: what you type is sent as your message, and the
bot's buttons are shown numbered so you can press them: inline buttons, and the keyboard under
the text field (the 📍 location button sends a sample location, in Berlin).

The sandbox keeps what it writes in one folder, kneecoach-sandbox/ (which .gitignore covers):
the chat's database by default, the files the bot sends, and the sandbox clock, so a clock
moved on with ":wait" stays moved on when the sandbox is started again.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.app import create_services
from sandbox.emulator import BotApiEmulator, Event
from sandbox.local import LOCAL_TOKEN, HandledUpdates, running_bot
from scheduler.clock import ShiftedClock
from scheduler.engine import EngineConfig
from storage import inbox
from storage.models import User

SANDBOX_USER = 1001
REPLY_WAIT = 10.0
SANDBOX_DIR = Path("kneecoach-sandbox")
CLOCK_FILE = "clock.json"
SAMPLE_LOCATION = (52.52, 13.405)  # Berlin: what the 📍 button shares in the sandbox
BANNER = """Knee Coach sandbox: the real bot, talking to a local stand-in for Telegram.
Type messages as you would in Telegram (/start, /today, done, pain 3).
  #N            press button N of the last message with buttons
  :wait 1d      move the clock forward (d, h, m, combined too: :wait 12h30m)
  :quit         leave (or Ctrl-D); your chat is kept in the database for next time
"""
# Telegram shows a newcomer a Start button; the sandbox says what it would do.
NEW_CHAT = "Type /start to begin."
KEPT_CHAT = "Welcome back: your chat is as you left it. /today shows today's session."
WAIT_HINT = "(:wait takes days, hours and minutes, like :wait 1d, :wait 12h30m)"
_WAIT = re.compile(r":wait\s+((?:\d{1,4}\s*[dhm]\s*)+)", re.IGNORECASE)
_WAIT_PART = re.compile(r"(\d{1,4})\s*([dhm])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_wait(line: str) -> timedelta | None:
    """How far ":wait 1d" or ":wait 12h30m" moves the clock; None if the line is no wait the
    sandbox can read (or moves nothing)."""
    match = _WAIT.fullmatch(line.strip())
    if match is None:
        return None
    moved = sum(
        (
            timedelta(**{_UNITS[unit.lower()]: int(count)})
            for count, unit in _WAIT_PART.findall(match[1])
        ),
        timedelta(),
    )
    return moved or None


class Terminal:
    """Prints the bot's side of the chat and remembers the buttons on screen."""

    def __init__(self, output: TextIO, files_dir: Path) -> None:
        self.output = output
        self.files_dir = files_dir  # where photos and documents from the bot are saved
        # By number: ("press", message_id, callback_data), ("text", 0, what it sends) or
        # ("location", 0, "") for a button of the keyboard under the text field.
        self.buttons: list[tuple[str, int, str]] = []

    def show(self, event: Event) -> None:
        """Print one thing the bot did in the sandbox chat and number its buttons for "#n"."""
        if event.method == "answerCallbackQuery":
            if event.text:
                self._print(f"   ({event.text})")
            return
        if event.chat_id != SANDBOX_USER:
            return
        prefix = "bot (edited)" if event.method.startswith("edit") else "bot"
        text = event.text
        if event.filename and event.document is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            saved = self.files_dir / Path(event.filename).name
            saved.write_bytes(event.document)
            text = f"[file saved as {saved}, {len(event.document)} bytes] {text}"
        self._print(f"{prefix}> {text}")
        if event.buttons:
            self.buttons = []
            for row in event.buttons:
                labels = []
                for label, data in row:
                    self.buttons.append(("press", event.message_id or 0, data))
                    labels.append(f"[{len(self.buttons)}] {label}")
                self._print("     " + "  ".join(labels))
        elif keyboard := _reply_keyboard(event):
            self.buttons = []
            for keys in keyboard:
                names = []
                for key in keys:
                    text = str(key.get("text", ""))
                    kind = "location" if key.get("request_location") else "text"
                    self.buttons.append((kind, 0, text))
                    names.append(f"[{len(self.buttons)}] {text}")
                self._print("     " + "  ".join(names) + "   (keyboard)")

    def _print(self, line: str) -> None:
        self.output.write(line + "\n")
        self.output.flush()


def _reply_keyboard(event: Event) -> list[list[dict[str, object]]]:
    """The rows of a keyboard shown under the text field, if the message brought one."""
    markup = event.params.get("reply_markup")
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            return []
    if not isinstance(markup, dict):
        return []
    rows = markup.get("keyboard") or []
    return [[b if isinstance(b, dict) else {"text": b} for b in row] for row in rows]


class StoredClock:
    """The sandbox clock's offset from real time, kept in a file per database."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.path = folder / CLOCK_FILE
        self.key = database_url

    def load(self, clock: ShiftedClock) -> None:
        """Move the clock on by the offset saved for this database; a missing file is no offset."""
        try:
            offsets = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        seconds = offsets.get(self.key) if isinstance(offsets, dict) else None
        if isinstance(seconds, int | float) and seconds > 0:
            clock.advance(timedelta(seconds=seconds))

    def save(self, clock: ShiftedClock) -> None:
        """Save the clock's offset for this database, keeping other databases' offsets."""
        try:
            offsets = json.loads(self.path.read_text())
        except (OSError, ValueError):
            offsets = {}
        offsets = offsets if isinstance(offsets, dict) else {}
        offsets[self.key] = clock.offset.total_seconds()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(offsets, indent=1))


async def run_sandbox(
    database_url: str,
    source: TextIO = sys.stdin,
    output: TextIO = sys.stdout,
    folder: Path = SANDBOX_DIR,
) -> None:
    """The sandbox: a chat with the real bot in the terminal, against the emulator, with a
    clock that ":wait" moves on. Returns at ":quit" or end of input."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    emulator = BotApiEmulator(LOCAL_TOKEN)
    await emulator.start()
    clock = ShiftedClock()
    stored = StoredClock(folder, database_url)
    stored.load(clock)
    services = await create_services(database_url, clock)
    async with services.database.transaction() as db:
        emulator.continue_after(await inbox.last_update_id(db))
        known = await db.get(User, SANDBOX_USER) is not None
    # Reminders are checked every two seconds and right after ":wait"; a jump of up to two
    # days still delivers what fell due on the way.
    config = EngineConfig(tick_seconds=2, grace=timedelta(days=2))
    terminal = Terminal(output, folder)
    emulator.listeners.append(terminal.show)
    output.write(BANNER + "\n" + (KEPT_CHAT if known else NEW_CHAT) + "\n\n")
    try:
        async with running_bot(services, emulator, engine_config=config) as running:
            while True:
                output.write("you> ")
                output.flush()
                line = await asyncio.to_thread(source.readline)
                if not line or line.strip() == ":quit":
                    break
                if not line.strip():
                    continue  # an empty line is not a message
                if running.serving.done():
                    raise RuntimeError("the bot stopped") from running.serving.exception()
                if line.startswith(":wait"):
                    if _wait(line, clock, output):
                        stored.save(clock)
                        await running.engine.tick()
                    continue
                await _handle(line.rstrip("\n"), emulator, terminal, running.handled)
    finally:
        await emulator.stop()
        await services.database.dispose()
    output.write("\nBye! Your progress is saved.\n")


def _wait(line: str, clock: ShiftedClock, output: TextIO) -> bool:
    """Move the clock on as ":wait" says; whether it moved (a wait it cannot read gets the
    hint and never reaches the bot)."""
    moved = parse_wait(line)
    if moved is None:
        output.write(WAIT_HINT + "\n")
        return False
    clock.advance(moved)
    output.write(f"(clock moved on; sandbox time is now {clock.now():%a %d %b %H:%M} UTC)\n")
    return True


async def _handle(
    line: str, emulator: BotApiEmulator, terminal: Terminal, handled: HandledUpdates
) -> None:
    if line.startswith("#") and line[1:].strip().isdigit():
        number = int(line[1:])
        if not 1 <= number <= len(terminal.buttons):
            terminal.output.write("(no such button on screen)\n")
            return
        kind, message_id, data = terminal.buttons[number - 1]
        if kind == "location":
            emulator.send_location(SANDBOX_USER, *SAMPLE_LOCATION)
        elif kind == "text":
            emulator.send_message(SANDBOX_USER, data)
        else:
            emulator.press(SANDBOX_USER, message_id, data)
    else:
        emulator.send_message(SANDBOX_USER, line)
    try:  # print the whole answer before the next prompt
        await handled.wait(emulator.last_update_id, timeout=REPLY_WAIT)
    except TimeoutError:
        terminal.output.write("(the bot is taking a while; its answer will appear here)\n")
