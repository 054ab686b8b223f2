"""`kneecoach sandbox`: chat with the real bot in the terminal, no Telegram token needed.

The emulator plays Telegram on 127.0.0.1, the bot long-polls it over HTTP exactly as it would
poll Telegram, and this module plays the user: what you type is sent as your message, and the
bot's buttons are shown numbered so you can press them: inline buttons, and the keyboard under
the text field (the 📍 location button sends a sample location, in Berlin).

The sandbox keeps what it writes in one folder, kneecoach-sandbox/ (which .gitignore covers):
the chat's database by default, the files the bot sends, and the sandbox clock, so a clock
moved on with ":wait" stays moved on when the sandbox is started again.

It plays both sides of the practice's loop: ":chat" switches between the patient's chat and a
clinician's (added and claimed on first use, as `kneecoach clinician add` and its link would),
and ":open" opens the last t.me link the bot showed, as tapping it in Telegram would. What the
bot sends to the other chat is shown too, marked with whose chat it went to.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.app import Services, create_services
from sandbox.emulator import BotApiEmulator, Event
from sandbox.local import LOCAL_TOKEN, RunningBot, running_bot
from scheduler.clock import ShiftedClock
from scheduler.engine import EngineConfig
from storage import inbox
from storage.models import User
from usecases import clinicians

SANDBOX_USER = 1001  # the patient's chat
CLINICIAN_USER = 1002  # the clinician's chat, made one on first use
SANDBOX_CLINICIAN = ("Ana Ruiz", "Sandbox Clinic")
REPLY_WAIT = 10.0
SANDBOX_DIR = Path("kneecoach-sandbox")
CLOCK_FILE = "clock.json"
SAMPLE_LOCATION = (52.52, 13.405)  # Berlin: what the 📍 button shares in the sandbox
BANNER = """Knee Coach sandbox: the real bot, talking to a local stand-in for Telegram.
Type messages as you would in Telegram (/start, /today, done, pain 3).
  #N            press button N of the last message with buttons
  :wait 1d      move the clock forward (d, h, m, combined too: :wait 12h30m)
  :chat         switch between the patient's chat and a clinician's (both sides of the loop)
  :open         open the last t.me link the bot showed (a clinician's invite, say)
  :reply TEXT   reply to the last message relayed to this chat (a 💬 from the other side)
  :quit         leave (or Ctrl-D); your chat is kept in the database for next time
"""
# Telegram shows a newcomer a Start button; the sandbox says what it would do.
NEW_CHAT = "Type /start to begin."
KEPT_CHAT = "Welcome back: your chat is as you left it. /today shows today's session."
WAIT_HINT = "(:wait takes days, hours and minutes, like :wait 1d, :wait 12h30m)"
_WAIT = re.compile(r":wait\s+((?:\d{1,4}\s*[dhm]\s*)+)", re.IGNORECASE)
_WAIT_PART = re.compile(r"(\d{1,4})\s*([dhm])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_LINK = re.compile(r"https://t\.me/\w+\?start=([\w-]{1,64})", re.ASCII)
# Whose each chat is, and the prompt typing in it.
SIDES = {SANDBOX_USER: "patient", CLINICIAN_USER: "clinician"}
PROMPTS = {SANDBOX_USER: "you", CLINICIAN_USER: "clinician"}


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
    """Prints the bot's side of both chats and remembers each chat's buttons on screen."""

    def __init__(self, output: TextIO, files_dir: Path) -> None:
        self.output = output
        self.files_dir = files_dir  # where photos and documents from the bot are saved
        self.current = SANDBOX_USER  # whose chat the typed lines come from
        # By chat, by number: ("press", message_id, callback_data), ("text", 0, what it
        # sends) or ("location", 0, "") for a button of the keyboard under the text field.
        self.chat_buttons: dict[int, list[tuple[str, int, str]]] = {}
        self.last_link: str | None = None  # the payload of the last t.me link shown
        # By chat: the last message relayed to it (💬), which ":reply" answers.
        self.relayed: dict[int, int] = {}

    @property
    def buttons(self) -> list[tuple[str, int, str]]:
        """The buttons of the chat typed in now."""
        return self.chat_buttons.get(self.current, [])

    def show(self, event: Event) -> None:
        """Print one thing the bot did in a sandbox chat and number its buttons for "#n"."""
        if event.method == "answerCallbackQuery":
            if event.text:
                self._print(f"   ({event.text})")
            return
        if event.chat_id not in SIDES:
            return
        prefix = "bot (edited)" if event.method.startswith("edit") else "bot"
        if event.chat_id != self.current:
            prefix = f"\n(in the {SIDES[event.chat_id]}'s chat; :chat to answer) {prefix}"
        text = event.text
        if link := _LINK.search(text):
            self.last_link = link[1]
        if text.startswith("💬") and event.message_id is not None:
            self.relayed[event.chat_id] = event.message_id
        if event.filename and event.document is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            saved = self.files_dir / Path(event.filename).name
            saved.write_bytes(event.document)
            text = f"[file saved as {saved}, {len(event.document)} bytes] {text}"
        self._print(f"{prefix}> {text}")
        if event.buttons:
            self._number(event.chat_id, _inline(event))
        elif keyboard := _reply_keyboard(event):
            self._number(event.chat_id, _keyboard(keyboard), "   (keyboard)")

    def _number(self, chat_id: int, rows: Numbered, note: str = "") -> None:
        numbered: list[tuple[str, int, str]] = []
        for row in rows:
            labels = []
            for label, button in row:
                numbered.append(button)
                labels.append(f"[{len(numbered)}] {label}")
            self._print("     " + "  ".join(labels) + note)
        self.chat_buttons[chat_id] = numbered

    def _print(self, line: str) -> None:
        self.output.write(line + "\n")
        self.output.flush()


# A button as the terminal numbers it: its label, and what pressing it does.
Numbered = list[list[tuple[str, tuple[str, int, str]]]]


def _inline(event: Event) -> Numbered:
    return [
        [(label, ("press", event.message_id or 0, data)) for label, data in row]
        for row in event.buttons
    ]


def _keyboard(rows: list[list[dict[str, object]]]) -> Numbered:
    keys: Numbered = []
    for row in rows:
        keys.append([])
        for key in row:
            text = str(key.get("text", ""))
            kind = "location" if key.get("request_location") else "text"
            keys[-1].append((text, (kind, 0, text)))
    return keys


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
    *,
    as_clinician: bool = False,
) -> None:
    """The sandbox: a chat with the real bot in the terminal, against the emulator, with a
    clock that ":wait" moves on, as the patient or (`as_clinician`, or after ":chat") the
    clinician. Returns at ":quit" or end of input."""
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
            sides = Sides(services, emulator, terminal, running)
            if as_clinician:
                await sides.switch()
            await _converse(running, sides, source, clock, stored)
    finally:
        await emulator.stop()
        await services.database.dispose()
    output.write("\nBye! Your progress is saved.\n")


async def _converse(
    running: RunningBot, sides: Sides, source: TextIO, clock: ShiftedClock, stored: StoredClock
) -> None:
    """Read typed lines until ":quit" or the end of input, and carry each out."""
    terminal = sides.terminal
    output = terminal.output
    while True:
        output.write(f"{PROMPTS[terminal.current]}> ")
        output.flush()
        line = await asyncio.to_thread(source.readline)
        if not line or line.strip() == ":quit":
            return
        if not line.strip():
            continue  # an empty line is not a message
        if running.serving.done():
            raise RuntimeError("the bot stopped") from running.serving.exception()
        if line.startswith(":wait"):
            if _wait(line, clock, output):
                stored.save(clock)
                await running.engine.tick()
            continue
        await sides.handle(line.strip())


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


class Sides:
    """The two chats the sandbox plays, and what a typed line does in the current one."""

    def __init__(
        self,
        services: Services,
        emulator: BotApiEmulator,
        terminal: Terminal,
        running: RunningBot,
    ) -> None:
        self.services = services
        self.emulator = emulator
        self.terminal = terminal
        self.running = running

    async def handle(self, line: str) -> None:
        """A typed line: a sandbox command, a button number, a t.me link, or a message."""
        if line == ":chat":
            await self.switch()
        elif line == ":open":
            await self.open(self.terminal.last_link)
        elif line.startswith(":reply"):
            await self.reply(line.removeprefix(":reply").strip())
        elif link := _LINK.fullmatch(line):
            await self.open(link[1])
        elif line.startswith("#") and line[1:].strip().isdigit():
            await self.press(int(line[1:]))
        else:
            await self.send(line)

    async def switch(self) -> None:
        """Type in the other chat from now on; the clinician's is made one on first use."""
        terminal = self.terminal
        terminal.current = CLINICIAN_USER if terminal.current == SANDBOX_USER else SANDBOX_USER
        terminal.output.write(f"(you are now typing in the {SIDES[terminal.current]}'s chat)\n")
        if terminal.current == CLINICIAN_USER and not await self._clinician_claimed():
            name, practice = SANDBOX_CLINICIAN
            async with self.services.database.transaction() as db:
                added = await clinicians.add_clinician(
                    db, name, practice, self.services.clock.now()
                )
            terminal.output.write(
                f'(the sandbox added a clinician, as `kneecoach clinician add "{name}" '
                f'--practice "{practice}"` would, and opens the one-time link it printed)\n'
            )
            await self.send(f"/start clin_{added.token}")

    async def _clinician_claimed(self) -> bool:
        async with self.services.database.transaction() as db:
            found = await clinicians.clinician_of(db, CLINICIAN_USER, "en")
            return found is not None

    async def open(self, payload: str | None) -> None:
        """Open a t.me/<bot>?start=<payload> link: Telegram sends "/start <payload>"."""
        if payload is None:
            self.terminal.output.write("(no link on screen to open)\n")
            return
        await self.send(f"/start {payload}")

    async def reply(self, text: str) -> None:
        """Answer the last message relayed to this chat, as Telegram's "Reply" does."""
        replied = self.terminal.relayed.get(self.terminal.current)
        if replied is None or not text:
            self.terminal.output.write("(:reply needs a 💬 message in this chat, and your text)\n")
            return
        await self.send(text, replied)

    async def press(self, number: int) -> None:
        """Press button `number` of the current chat's last message with buttons."""
        buttons, user = self.terminal.buttons, self.terminal.current
        if not 1 <= number <= len(buttons):
            self.terminal.output.write("(no such button on screen)\n")
            return
        kind, message_id, data = buttons[number - 1]
        if kind == "location":
            self.emulator.send_location(user, *SAMPLE_LOCATION)
        elif kind == "text":
            await self.send(data)
            return
        else:
            self.emulator.press(user, message_id, data)
        await self._answer()

    async def send(self, text: str, reply_to: int | None = None) -> None:
        """Type `text` in the current chat (as a reply to `reply_to`) and print the answer."""
        user = self.terminal.current
        name = "Ana" if user == CLINICIAN_USER else "Alex"
        self.emulator.send_message(user, text, name, reply_to)
        await self._answer()

    async def _answer(self) -> None:
        try:  # print the whole answer, and what it sent the other chat, before the prompt
            await self.running.handled.wait(self.emulator.last_update_id, timeout=REPLY_WAIT)
            await self.running.engine.send_notices_now()
        except TimeoutError:
            self.terminal.output.write(
                "(the bot is taking a while; its answer will appear here)\n"
            )
