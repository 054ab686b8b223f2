"""A real `kneecoach run` process, for the tests that signal, kill or read its log.

Processes are forked from a server that has already imported the bot and built what its
start-up builds and keeps (multiprocessing's forkserver; tests.auxil.preload), so one starts in
a fraction of a second instead of the seconds a fresh interpreter needs to import it and build
its place index: the fault tests start and kill dozens. Each child still runs `kneecoach run`
from `bot.cli.main`, with its own environment, signals and exit status.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["bot.cli", "bot.app", "tests.auxil.preload"])


def _run(env: dict[str, str], log_path: str) -> None:
    """In the child: the settings, the output to log_path, then `kneecoach run`."""
    for name in [name for name in os.environ if name.startswith("KNEECOACH_")]:
        del os.environ[name]
    os.environ.update(env)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    from bot.cli import main

    sys.exit(main(["run"]))


class Kneecoach:
    """The running process, with the part of subprocess.Popen's interface the tests use."""

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self._process.kill()

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired("kneecoach run", timeout or 0)
        return self._process.exitcode


def start_kneecoach(log_path: Path, **settings: str) -> Kneecoach:
    """`kneecoach run` with the given KNEECOACH_* settings (lower-case names), its output
    appended to log_path; the HTTP server takes any free port."""
    env = {
        "KNEECOACH_POLL_TIMEOUT": "1",
        "KNEECOACH_HTTP_PORT": "0",
        **{f"KNEECOACH_{name.upper()}": value for name, value in settings.items()},
    }
    process = _FORKS.Process(target=_run, args=(env, str(log_path)), daemon=False)
    process.start()
    return Kneecoach(process)


def exec_kneecoach(
    log_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`python -m bot.cli ARGS` in a fresh interpreter (for what happens before and around
    the bot's own code, such as start-up failures and tracebacks), output to log_path."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            env={"PATH": os.environ["PATH"], **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
