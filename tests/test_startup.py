"""When `kneecoach` cannot start, it says so in one line, naming what failed and the setting to
check, exits non-zero, and never writes the token (not even inside a traceback)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli import main, receiving_from
from bot.settings import load_settings
from sandbox.emulator import BotApiEmulator
from tests.auxil.processes import exec_kneecoach

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def run_to_end(log_path: Path, **settings: str) -> tuple[int, str]:
    env = {f"KNEECOACH_{name.upper()}": value for name, value in settings.items()}
    process = exec_kneecoach(log_path, "run", env={"KNEECOACH_HTTP_PORT": "0", **env})
    code = process.wait(60)
    return code, log_path.read_text()


async def test_a_rejected_token_is_one_line_naming_the_variable(tmp_path):
    emulator = BotApiEmulator("987654321:a-token-the-bot-does-not-have")  # answers 401
    await emulator.start()
    try:
        code, output = await asyncio.to_thread(
            run_to_end,
            tmp_path / "bot.log",
            token=TOKEN,
            bot_api_url=emulator.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        )
    finally:
        await emulator.stop()
    assert code != 0
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    last = output.strip().splitlines()[-1]
    assert last == "kneecoach: the Bot API refused the token. Check KNEECOACH_TOKEN.", output
    assert "Traceback" not in output


async def test_a_proxy_error_page_quoting_the_url_does_not_leak_the_token(tmp_path):
    async def bad_gateway(request: web.Request) -> web.Response:
        page = f"<html><h1>502 Bad Gateway</h1><p>upstream failed for {request.url}</p></html>"
        return web.Response(status=502, text=page, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bad_gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        code, output = await asyncio.to_thread(
            run_to_end,
            tmp_path / "bot.log",
            token=TOKEN,
            bot_api_url=f"http://127.0.0.1:{port}/bot",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        )
    finally:
        await runner.cleanup()
    assert code != 0
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    last = output.strip().splitlines()[-1]
    assert last.startswith("kneecoach: cannot reach the Bot API: NetworkError: Bad Gateway")
    assert last.endswith("Check KNEECOACH_BOT_API_URL."), output
    assert "Traceback" not in output.split("Can not load invalid JSON")[0]


@contextlib.contextmanager
def read_only_directory(tmp_path: Path) -> Iterator[Path]:
    """A directory on a read-only mount (or, for a user other than root, without write
    permission), holding a database file made while it was writable."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        (folder / "kneecoach.db").touch()
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("root here cannot mount a read-only file system")
    try:
        (folder / "kneecoach.db").touch()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


def sqlite_failure(monkeypatch, capsys, path: Path, *args: str) -> tuple[int, list[str]]:
    """`kneecoach ARGS` in this process with the database at path: exit code, stderr lines."""
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("KNEECOACH_TOKEN", TOKEN)
    root = logging.getLogger()
    handlers, level, hook = root.handlers[:], root.level, sys.excepthook
    try:
        code = main(list(args))
    finally:  # main set up logging for a process; give the test process its own back
        root.handlers[:], sys.excepthook = handlers, hook
        root.setLevel(level)
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("command", [["db", "upgrade"], ["run"]])
def test_sqlite_in_a_missing_directory(monkeypatch, capsys, tmp_path, command):
    missing = tmp_path / f"nowhere-{uuid.uuid4().hex[:6]}"
    code, lines = sqlite_failure(monkeypatch, capsys, missing / "kneecoach.db", *command)
    assert code == 2
    assert lines[-1] == (
        f"kneecoach: cannot open the database: DatabaseUnavailable: the directory {missing} "
        "does not exist. Check KNEECOACH_DATABASE_URL."
    )
    assert not missing.exists()


def test_sqlite_on_a_directory(monkeypatch, capsys, tmp_path):
    code, lines = sqlite_failure(monkeypatch, capsys, tmp_path, "db", "upgrade")
    assert code == 2
    assert lines == [
        (
            "kneecoach: cannot open the database: DatabaseUnavailable: "
            f"{tmp_path} is a directory, not a database file. Check KNEECOACH_DATABASE_URL."
        )
    ]


def test_sqlite_on_a_read_only_mount(monkeypatch, capsys, tmp_path):
    with read_only_directory(tmp_path) as folder:
        code, lines = sqlite_failure(monkeypatch, capsys, folder / "kneecoach.db", "db", "upgrade")
        other, other_lines = sqlite_failure(
            monkeypatch, capsys, folder / "new.db", "db", "upgrade"
        )
    assert code == other == 2
    assert lines[-1].startswith("kneecoach: cannot open the database: DatabaseUnavailable: ")
    assert "read-only" in lines[-1] and lines[-1].endswith("Check KNEECOACH_DATABASE_URL.")
    assert "read-only" in other_lines[-1]
    assert len(lines) == len(other_lines) == 1


async def test_a_busy_http_port_stops_the_start_naming_the_variable(tmp_path):
    """A second instance on the same machine (or anything else on the port) is a start-up
    error naming KNEECOACH_HTTP_PORT, before Telegram is called, not a bot whose health
    server quietly never answers."""
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        code, output = await asyncio.to_thread(
            run_to_end,
            tmp_path / "bot.log",
            token=TOKEN,
            bot_api_url=emulator.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            http_port=str(port),
        )
    finally:
        taken.close()
        await emulator.stop()
    assert code == 2, output
    last = output.strip().splitlines()[-1]
    assert last.startswith(
        f"kneecoach: cannot start the HTTP server: OSError: cannot listen on 127.0.0.1:{port}: "
    ), output
    assert "in use" in last.lower() and last.endswith("Check KNEECOACH_HTTP_PORT."), output
    assert "Traceback" not in output
    assert not any(method == "getUpdates" for _, method, _ in emulator.requests)


def test_http_port_0_means_no_http_server(monkeypatch):
    """KNEECOACH_HTTP_PORT=0 (development): `kneecoach run` starts no HTTP server; a port
    given is where it listens."""
    monkeypatch.setenv("KNEECOACH_TOKEN", TOKEN)
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", "0")
    assert receiving_from(load_settings(), webhook=False).http_host is None
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", "8123")
    receiving = receiving_from(load_settings(), webhook=False)
    assert (receiving.http_host, receiving.http_port) == ("127.0.0.1", 8123)


async def test_serving_without_an_http_server_binds_nothing(tmp_path, monkeypatch):
    """With no HTTP host (what port 0 gives) the bot answers and never binds a port."""
    from bot import web as bot_web
    from bot.app import Receiving, create_services
    from sandbox.local import running_bot
    from scheduler.clock import SystemClock

    bound: list[object] = []
    monkeypatch.setattr(bot_web.HttpServer, "bind", lambda self: bound.append(self))
    services = await create_services(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", SystemClock())
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        async with running_bot(services, emulator, receiving=Receiving(poll_timeout=1)) as bot:
            update_id = emulator.send_message(4242, "/help")
            await bot.handled.wait(update_id, 30)
    finally:
        await emulator.stop()
        await services.database.dispose()
    assert any("/today" in (event.text or "") for event in emulator.chat_events(4242))
    assert bound == []


def test_webhook_mode_with_http_port_0_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", "0")
    monkeypatch.setenv("KNEECOACH_WEBHOOK_URL", "https://bot.example.org/hook")
    monkeypatch.setenv("KNEECOACH_WEBHOOK_SECRET", "s3cret")
    code, lines = sqlite_failure(monkeypatch, capsys, tmp_path / "bot.db", "run", "--webhook")
    assert code == 2
    assert lines[-1] == (
        "kneecoach: KNEECOACH_HTTP_PORT: is 0 (no HTTP server), but --webhook receives "
        "updates on it"
    )


def test_the_sandbox_binds_no_port(tmp_path, monkeypatch):
    """The sandbox never takes a fixed port (two sandboxes, or a sandbox beside a running
    bot, must not collide): it runs without the HTTP server."""
    from bot import web as bot_web

    bound: list[object] = []
    monkeypatch.setattr(bot_web.HttpServer, "bind", lambda self: bound.append(self))
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", "8080")
    from sandbox.chat import run_sandbox

    lines = io.StringIO("/help\n")
    output = io.StringIO()
    database = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    asyncio.run(run_sandbox(database, lines, output, folder=tmp_path / "sandbox"))
    assert "/today" in output.getvalue()
    assert bound == []
