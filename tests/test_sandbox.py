"""The README's first command: a person chats with the real bot in the terminal."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

SCRIPT = (
    "\n".join(
        [
            "/start",
            "#1",
            "#10",  # None of these
            "Berlin",
            "#8",
            "#5",  # disclaimer, screen, zone, days, 18:00
            "/today",
            "done",
            "pain 3",
            "/progress",
            "/exercise hip_bump",
            "hello",
            ":wait 2d",
            "/today",
            ":quit",
        ]
    )
    + "\n"
)


def _kneecoach() -> list[str]:
    script = shutil.which("kneecoach", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "bot.cli"]


def test_sandbox_chat_from_the_terminal(tmp_path):
    result = subprocess.run(
        [*_kneecoach(), "sandbox", "--database-url", f"sqlite+aiosqlite:///{tmp_path / 's.db'}"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[1] ✅ I understand" in out
    assert "You're all set!" in out and "18:00 (Europe/Berlin)" in out
    assert "1. Foot and ankle balance" in out and "✅ Session done" in out
    assert "✅ Logged: 3 exercises done" in out
    assert "Noted: 3/10" in out
    chart = tmp_path / "pain-chart.png"
    assert f"[file saved as {chart}" in out
    assert re.search(r"This week: 1 of [1-3] planned sessions", out)  # depends on the weekday
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "📖 Hip bump" in out and "How to do it:" in out
    assert "didn't catch that" in out
    assert "clock moved on" in out
    assert "How does your knee feel today" in out  # the next-morning check came on its own
    headlines = [line for line in out.splitlines() if "📋" in line and ":" in line]
    assert len(headlines) == 2 and headlines[0] != headlines[1]  # the next day's session
    assert "Bye! Your progress is saved." in out
    assert "Traceback" not in result.stderr
