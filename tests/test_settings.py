import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings

GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_defaults(monkeypatch):
    for name in ("TOKEN", "DATABASE_URL", "BOT_API_URL"):
        monkeypatch.delenv(f"KNEECOACH_{name}", raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///kneecoach.db"
    assert settings.bot_api_url == "https://api.telegram.org/bot"
    with pytest.raises(SettingsError, match="KNEECOACH_TOKEN: not set"):
        settings.require_token()


def test_plain_database_urls_get_async_drivers(monkeypatch):
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    assert load_settings().database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("TOKEN", "not-a-token", "does not look like a bot token"),
        ("DATABASE_URL", "mysql://root@localhost/x", "must be a sqlite:// or postgresql:// URL"),
        ("DATABASE_URL", "::::", "is not a database URL"),
        ("BOT_API_URL", "ftp://example", "must be an http(s) URL"),
        ("WEBHOOK_URL", "http://bot.example.com/hook", "must be an https:// URL"),
        ("WEBHOOK_SECRET", "spaces and ünïcode", "must be 1-256 characters"),
        ("HTTP_PORT", "70000", "Input should be less than or equal to 65535"),
        ("LOG_FORMAT", "xml", "Input should be 'text' or 'json'"),
    ],
)
def test_bad_values_name_the_variable_not_the_value(monkeypatch, variable, value, reason):
    monkeypatch.setenv(f"KNEECOACH_{variable}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"KNEECOACH_{variable}: {reason}" in str(caught.value)
    assert value not in str(caught.value)


def run_cli(cwd, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_reports_bad_config_in_one_line(tmp_path):
    result = run_cli(tmp_path, "run", KNEECOACH_TOKEN="oops-secret-ish")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kneecoach: KNEECOACH_TOKEN: does not look like a bot token from @BotFather "
        "(digits:letters)"
    ]
    assert "oops-secret-ish" not in result.stderr


def test_cli_without_token(tmp_path):
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2
    assert "KNEECOACH_TOKEN: not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_webhook_mode_needs_its_url_and_secret(tmp_path):
    result = run_cli(tmp_path, "run", "--webhook", KNEECOACH_TOKEN="123456789:abcdefghijklmn")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "kneecoach: KNEECOACH_WEBHOOK_URL: not set (needed for --webhook); "
        "KNEECOACH_WEBHOOK_SECRET: not set (needed for --webhook)"
    )
