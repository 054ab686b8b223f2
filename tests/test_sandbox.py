"""The README's first command: a person chats with the real bot in the terminal."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from sandbox.chat import parse_wait, run_sandbox

SCRIPT = "".join(
    f"{line}\n"
    for line in [
        "/start",
        "",  # an empty line is not a message
        "#1",
        "#10",  # None of these
        "Berlin",
        "#8",
        "#5",
        "#3",  # disclaimer, screen, zone, days, 18:00, morning check 08:00
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


ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_names_the_python_it_needs():
    with (ROOT / "pyproject.toml").open("rb") as source:
        needed = tomllib.load(source)["project"]["requires-python"]
    assert needed == ">=3.11"
    assert "Python 3.11 or newer" in (ROOT / "README.md").read_text().split("```")[0]


def _kneecoach() -> list[str]:
    script = shutil.which("kneecoach", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "bot.cli"]


def _sandbox(tmp_path, script: str, *database: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_kneecoach(), "sandbox", *database],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
    )


def start_on_a_wednesday(folder: Path, database_url: str) -> None:
    """The sandbox's clock runs from real time: on a Friday night (Saturday in Berlin) "done"
    rightly asked "Log an extra session today?" and the script failed. Move it on to the next
    Wednesday, a default training day, the way ":wait" would have stored it."""
    now = datetime.now(UTC)
    wednesday = datetime.combine(now.date(), time(10), UTC) + timedelta(
        days=(2 - now.weekday()) % 7
    )
    if wednesday <= now:
        wednesday += timedelta(days=7)
    folder.mkdir()
    (folder / "clock.json").write_text(
        json.dumps({database_url: (wednesday - now).total_seconds()})
    )


def test_sandbox_chat_from_the_terminal(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    start_on_a_wednesday(tmp_path / "kneecoach-sandbox", database_url)
    result = _sandbox(tmp_path, SCRIPT, "--database-url", database_url)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.count("you> ") == SCRIPT.count("\n") + 1 - 1  # the empty line sent nothing
    assert out.index("Type /start to begin.") < out.index("you> ")  # a newcomer is greeted
    assert "[1] 📍 Share my location   (keyboard)" in out
    assert "[1] ✅ I understand" in out
    assert "You're all set!" in out and "18:00 (Berlin)" in out
    assert "1. Foot and ankle balance" in out and "✅ Session done" in out
    assert "✅ Logged: 3 exercises done" in out
    assert "Noted: 3/10" in out
    chart = tmp_path / "kneecoach-sandbox" / "pain-chart.png"  # a folder .gitignore covers
    assert "[file saved as kneecoach-sandbox/pain-chart.png" in out
    assert re.search(r"This week: 1 of [1-3] planned sessions", out)  # depends on the weekday
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "📖 Hip bump" in out and "How to do it:" in out
    assert "didn't catch that" in out
    assert "clock moved on" in out
    assert "How is your knee this morning" in out  # the next-morning check came on its own
    headlines = [line for line in out.splitlines() if "📋" in line and ":" in line]
    assert len(headlines) == 2 and headlines[0] != headlines[1]  # the next day's session
    assert "Bye! Your progress is saved." in out
    assert "Traceback" not in result.stderr


def test_sandbox_keeps_its_clock_and_shares_a_sample_location(tmp_path):
    """The clock moved with :wait is kept with the chat; the 📍 keyboard button is a numbered
    choice that shares a location (Berlin); the default database lives in kneecoach-sandbox/."""
    # disclaimer, "None of these", 📍, save days, 18:00, morning 08:00
    script = "/start\n#1\n#10\n#1\n#8\n#5\n#3\n/today\n:wait 3d\n/today\n:quit\n"
    first = _sandbox(tmp_path, script)
    assert first.returncode == 0, first.stderr
    assert "Got it: Berlin" in first.stdout  # from the 📍 button's sample location
    headlines = [line for line in first.stdout.splitlines() if "📋" in line]
    again = _sandbox(tmp_path, "/today\n:quit\n")
    assert again.returncode == 0, again.stderr
    [restarted] = [line for line in again.stdout.splitlines() if "📋" in line]
    assert restarted.split(":")[0] == headlines[-1].split(":")[0]  # still three days on
    assert restarted.split(":")[0] != headlines[0].split(":")[0]
    folder = tmp_path / "kneecoach-sandbox"
    assert (folder / "chat.db").exists() and (folder / "clock.json").exists()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", "kneecoach-sandbox/chat.db"],
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert ignored.returncode == 0  # the repository's .gitignore covers the folder


@pytest.mark.parametrize(
    ("typed", "moved"),
    [
        (":wait 2d", timedelta(days=2)),
        (":wait 12h30m", timedelta(hours=12, minutes=30)),
        (":wait 1d 6h", timedelta(days=1, hours=6)),
        (":wait 90m", timedelta(minutes=90)),
        (":wait  1D12H", timedelta(days=1, hours=12)),
    ],
)
def test_a_wait_combines_units(typed, moved):
    assert parse_wait(typed) == moved


@pytest.mark.parametrize(
    "typed", [":wait", ":wait 12", ":wait 3w", ":wait h", ":wait 0m", ":waiting"]
)
def test_a_wait_that_is_not_one_is_refused(typed):
    assert parse_wait(typed) is None


def test_combined_and_bad_waits_stay_in_the_sandbox(tmp_path):
    """ ":wait 12h30m" moves the clock by twelve and a half hours; a wait the sandbox cannot
    read gets a hint, and neither reaches the bot. A kept chat is welcomed back."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    first = _sandbox(tmp_path, "/help\n:quit\n", "--database-url", database_url)
    assert first.returncode == 0, first.stderr
    result = _sandbox(
        tmp_path, ":wait 12h30m\n:wait soon\n:quit\n", "--database-url", database_url
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Type /start to begin." not in out and "Welcome back" in out
    stored = json.loads((tmp_path / "kneecoach-sandbox" / "clock.json").read_text())
    assert 12.5 * 3600 <= stored[database_url] < 12.5 * 3600 + 60
    assert "clock moved on" in out and ":wait 1d, :wait 12h30m" in out  # the hint
    assert "bot>" not in out  # nothing went to the bot


BOTH_SIDES = "".join(
    f"{line}\n"
    for line in [
        *("/start", "#1", "#10", "Berlin", "#8", "#5", "#3"),  # the patient sets up
        ":chat",  # the clinician's chat: added and claimed by the sandbox
        "/invite",
        ":chat",
        ":open",  # the patient opens the invite link
        "#1",  # Share with Ana Ruiz
        "/redflags",
        "#1",  # Chest pain or breathless
        ":wait 1m",  # the engine's tick sends the alert
        ":chat",
        "#2",  # I have seen this patient: clear the hold
        ":wait 1m",
        ":chat",
        "/today",
        "/physio Can I go back to squats?",
        ":chat",
        ":reply Yes, from Monday.",  # Telegram's Reply on the relayed message
        ":quit",
    ]
)


async def test_the_sandbox_plays_the_patient_and_the_clinician(tmp_path):
    """Issue 24's "done when": a newcomer tries both sides without Telegram: the clinician's
    invite, the patient's consent, a red flag reaching the clinician, her clearance reaching
    the patient, whose /today runs again."""
    output = io.StringIO()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'both.db'}"
    start_on_a_wednesday(tmp_path / "kneecoach-sandbox", database_url)
    await run_sandbox(
        database_url, io.StringIO(BOTH_SIDES), output, tmp_path / "kneecoach-sandbox"
    )
    out = output.getvalue()
    assert "(the sandbox added a clinician" in out
    assert "Welcome, Ana Ruiz!" in out
    assert "Ana Ruiz (Sandbox Clinic) invites you" in out
    alert = out.index("(in the clinician's chat; :chat to answer) bot> 🚨 Alex reported")
    cleared = out.index("✅ Done: Alex's program runs again")
    told = out.index(
        "(in the patient's chat; :chat to answer) bot> ✅ Ana Ruiz has seen how you are"
    )
    today = out.rindex("📋")
    assert alert < cleared < told < today
    assert "on hold" not in out[today:] and "✅ Session done" in out[today:]
    assert "(in the clinician's chat; :chat to answer) bot> 💬 Alex: Can I go back to squats?" in (
        out  # relayed before the next prompt, so it is marked as the other chat's
    )
    assert "(in the patient's chat; :chat to answer) bot> 💬 Ana Ruiz: Yes, from Monday." in out
    assert out.count("clinician> ") == 7 and "Bye!" in out
