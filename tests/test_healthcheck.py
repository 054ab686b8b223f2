"""`kneecoach healthcheck`: asks the port the settings name, and says why in one line."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.cli import main


class Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response({"/healthz": 200, "/readyz": 503}.get(self.path, 404))
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    """An HTTP server on a free port answering /healthz 200 and /readyz 503."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_healthy_on_the_configured_port(monkeypatch, capsys, server, host):
    monkeypatch.setenv("KNEECOACH_HTTP_HOST", host)  # 0.0.0.0 is asked on 127.0.0.1
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", str(server))
    assert main(["healthcheck"]) == 0
    assert capsys.readouterr() == ("", "")


def test_not_ready_is_one_line(monkeypatch, capsys, server):
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", str(server))
    assert main(["healthcheck", "--ready"]) == 1
    assert capsys.readouterr().err == (
        f"kneecoach healthcheck: http://127.0.0.1:{server}/readyz answered 503\n"
    )


def test_nothing_listening_is_one_line(monkeypatch, capsys):
    port = free_port()
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", str(port))
    assert main(["healthcheck"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kneecoach healthcheck: http://127.0.0.1:{port}/healthz: ")
    assert "refused" in err.lower() and err.count("\n") == 1


def test_any_port_cannot_be_checked(monkeypatch, capsys):
    monkeypatch.setenv("KNEECOACH_HTTP_PORT", "0")
    assert main(["healthcheck"]) == 1
    assert "KNEECOACH_HTTP_PORT is 0" in capsys.readouterr().err


def test_the_command_exits_with_the_answer(tmp_path, server):
    """As the container runs it: a process whose exit status is the answer; the check stays
    light (it does not load the bot, the database or the scheduler)."""
    code = (
        "import sys; from bot.cli import main; status = main(['healthcheck']); "
        "heavy = {'bot.app', 'storage.db', 'sqlalchemy.ext.asyncio', 'telegram', 'matplotlib'}; "
        "sys.exit(status or 10 * bool(heavy & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "KNEECOACH_HTTP_PORT": str(server)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
