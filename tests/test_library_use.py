"""Libraries are used through their public API: no private module or name of a third-party
library is imported or reached through one, and using the bot leaves Python's warnings alone
(no filters added, no warning of PTB's raised)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "media", "sandbox", "usecases", "scheduler", "storage", "content")
OURS = {*PACKAGES, "tests", "bench"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _third_party(module: str) -> bool:
    top = module.split(".", 1)[0]
    return bool(top) and top not in OURS and top not in sys.stdlib_module_names


def library_imports(tree: ast.AST) -> Iterator[tuple[str, str | None, str]]:
    """(module, name or None, local name) for each import from a third-party library."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".", 1)[0]
                yield alias.name, None, local
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.module, alias.name, alias.asname or alias.name


def private_library_uses(source: str) -> list[str]:
    """Each private module or name of a third-party library that the source imports, or reaches
    as an attribute of a library module it imported (`telegram._utils.types` and the like)."""
    tree = ast.parse(source)
    found: list[str] = []
    modules: set[str] = set()  # local names bound to a library's modules (or names)
    for module, name, local in library_imports(tree):
        if not _third_party(module):
            continue
        modules.add(local)
        path = [*module.split("."), *([name] if name else [])]
        if any(_private(part) for part in path):
            found.append(".".join(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in modules:
                found.append(f"{ast.unparse(node.value)}.{node.attr}")
    return found


def library_modules() -> list[str]:
    """The third-party modules the packages import, and what they import from them (some of it
    submodules)."""
    return sorted(
        {
            ".".join(filter(None, (module, name)))
            for package in PACKAGES
            for path in (ROOT / package).rglob("*.py")
            for module, name, _local in library_imports(ast.parse(path.read_text("utf-8")))
            if _third_party(module)
        }
    )


def test_the_scan_finds_private_imports_and_attributes():
    source = textwrap.dedent(
        """
        import telegram
        import aiosqlite.core as core
        from telegram._utils.types import ODVInput
        from telegram.request import _requestparameter
        from aiosqlite import _private_helper
        from telegram.request import BaseRequest, RequestData
        from handlers.common import _markup  # our own: not a library's
        import os

        DEFAULT = telegram._utils.defaultvalue.DEFAULT_NONE
        CORE = core._STOP_RUNNING_SENTINEL
        HOME = os._exit
        NAME = telegram.__version__
        """
    )
    assert sorted(private_library_uses(source)) == [
        "aiosqlite._private_helper",
        "core._STOP_RUNNING_SENTINEL",
        "telegram._utils",
        "telegram._utils.types.ODVInput",
        "telegram.request._requestparameter",
    ]


def test_no_private_module_or_name_of_a_library_is_used():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in (*PACKAGES, "bench")
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in private_library_uses(path.read_text(encoding="utf-8"))
    ]
    assert not found, found


# Imports the app, then answers a message that arrives by long polling and sends a push, each
# after a 429 (so RetryAfter is read), against the emulator; prints what it saw.
USING_THE_BOT = """
import asyncio, importlib, sys, warnings
from datetime import timedelta

for name in sys.argv[2:]:  # libraries may set filters of their own as they load (aiohttp.web)
    try:
        importlib.import_module(name)
    except ImportError:  # a name imported from a module, not a module
        pass
from telegram.warnings import PTBUserWarning

warnings.simplefilter("always", PTBUserWarning)  # each one printed, deprecations too
filters = list(warnings.filters)

from bot.app import create_services
from sandbox.emulator import BotApiEmulator, Fault
from sandbox.local import running_bot
from scheduler.clock import SystemClock
from tests.auxil.reminders import add_due_reminders, add_users, delivered

PERSON, REMINDED = 5151, 4242


async def main(folder):
    services = await create_services(f"sqlite+aiosqlite:///{folder}/bot.db", SystemClock())
    now = services.clock.now()
    await add_users(services, [REMINDED], timezone="UTC", days="0,1,2,3,4,5,6")
    await add_due_reminders(services, [REMINDED], now.date(), now - timedelta(minutes=1))
    emulator = BotApiEmulator("123:warnings-token")
    emulator.accept_unknown_chats = True
    emulator.faults = [Fault(429, chat_id=chat, times=1) for chat in (PERSON, REMINDED)]
    await emulator.start()
    try:
        async with running_bot(services, emulator) as bot:
            await bot.handled.wait(emulator.send_message(PERSON, "/help"), 120)
            await bot.engine.tick()  # unless the bot's own first tick has sent it already
            await emulator.wait_for(lambda: delivered(emulator)[REMINDED] > 0, timeout=120)
    finally:
        await emulator.stop()
        await services.database.dispose()
    answered = any("/today" in (event.text or "") for event in emulator.chat_events(PERSON))
    print("answered", answered, "reminded", delivered(emulator)[REMINDED])


asyncio.run(main(sys.argv[1]))
print("filters unchanged", warnings.filters == filters)
"""


def test_using_the_bot_adds_no_warnings_filter_and_raises_no_ptb_warning(tmp_path):
    """A module that silences a warning for the whole process (as the raw Bot API calls once
    did) hides it from everyone; PTB's warnings say a call is deprecated or discouraged."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            USING_THE_BOT,
            str(tmp_path),
            *library_modules(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "answered True reminded 1",
        "filters unchanged True",
    ], result.stdout
    assert "Warning" not in result.stderr


def test_the_command_opts_in_to_ptbs_time_spans(monkeypatch, tmp_path):
    """RetryAfter.retry_after as a timedelta, read without PTB's deprecation warning."""
    from bot.cli import main

    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    assert main(["db", "upgrade"]) == 0
    assert os.environ["PTB_TIMEDELTA"] == "true"
