"""A real `kneecoach run` process, for the tests that signal, kill or read its log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def start_kneecoach(log_path: Path, **settings: str) -> subprocess.Popen[bytes]:
    """`kneecoach run` with the given KNEECOACH_* settings (lower-case names), its output
    appended to log_path; the HTTP server takes any free port."""
    env = {
        "PATH": os.environ["PATH"],
        "KNEECOACH_POLL_TIMEOUT": "1",
        "KNEECOACH_HTTP_PORT": "0",
        **{f"KNEECOACH_{name.upper()}": value for name, value in settings.items()},
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
