import asyncio
import base64
import hashlib
import hmac
import io
import logging
import subprocess
import sys
import uuid

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.logs import RedactingFormatter
from bot.settings import SettingsError, load_settings
from tests.auxil.databases import POSTGRES_ADMIN_DSN, postgres_or_skip

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
        (
            "kneecoach: KNEECOACH_TOKEN: does not look like a bot token from @BotFather "
            "(digits:letters)"
        )
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


PASSWORD = "p@ss/w#rd:1"


def test_a_password_in_the_url_breaks_on_at_slash_hash_colon():
    # Why KNEECOACH_DATABASE_PASSWORD exists: pasted into the URL, this password is a host.
    assert make_url(f"postgresql://kneecoach:{PASSWORD}@db:5432/kneecoach").host == "ss"


def test_database_password_is_set_on_the_parsed_url(monkeypatch):
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", "postgresql://kneecoach:old@db:5432/kneecoach")
    monkeypatch.setenv("KNEECOACH_DATABASE_PASSWORD", PASSWORD)
    settings = load_settings()
    url = make_url(settings.database_url)
    assert (url.drivername, url.username, url.host, url.port, url.database) == (
        "postgresql+asyncpg",
        "kneecoach",
        "db",
        5432,
        "kneecoach",
    )
    assert url.password == PASSWORD  # the variable wins over a password in the URL


def test_database_password_needs_a_postgresql_url(monkeypatch):
    monkeypatch.delenv("KNEECOACH_DATABASE_URL", raising=False)
    monkeypatch.setenv("KNEECOACH_DATABASE_PASSWORD", PASSWORD)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        "KNEECOACH_DATABASE_PASSWORD: is only used with a postgresql:// KNEECOACH_DATABASE_URL"
    )


def test_database_password_is_masked_in_logs(monkeypatch):
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", "postgresql://kneecoach@db/kneecoach")
    monkeypatch.setenv("KNEECOACH_DATABASE_PASSWORD", PASSWORD)
    settings = load_settings(token=GOOD_TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(message)s", settings.secrets()))
    logger = logging.getLogger("password-redaction-test")
    logger.addHandler(handler)
    try:
        logger.error("cannot connect to %s with %s", settings.database_url, PASSWORD)
    finally:
        logger.removeHandler(handler)
    assert settings.secrets()[0] == GOOD_TOKEN  # still the key for hashed user ids
    output = stream.getvalue()
    assert PASSWORD not in output and "p%40ss" not in output
    assert "kneecoach:[token]@db" in output


def scram_stored_key(password: str, verifier: str) -> tuple[str, str]:
    """(StoredKey from PostgreSQL's SCRAM-SHA-256 verifier, the one password computes)."""
    iterations_salt, keys = verifier.removeprefix("SCRAM-SHA-256$").split("$")
    iterations, salt = iterations_salt.split(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return keys.split(":")[0], base64.b64encode(hashlib.sha256(client_key).digest()).decode()


@pytest.mark.postgres
def test_database_password_with_at_slash_hash_colon_connects_to_postgresql(monkeypatch):
    """A role whose password is p@ss/w#rd:1. This machine's PostgreSQL trusts 127.0.0.1, so the
    password is also checked against the role's SCRAM verifier: it is the one the app sends."""
    postgres_or_skip()
    asyncio.run(connect_as_a_role_with_a_difficult_password(monkeypatch))


async def connect_as_a_role_with_a_difficult_password(monkeypatch: pytest.MonkeyPatch) -> None:
    role = f"kneecoach_pw_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD {quote_literal(PASSWORD)}")
        base = make_url(POSTGRES_ADMIN_DSN).set(username=role, password=None)
        monkeypatch.setenv("KNEECOACH_DATABASE_URL", base.render_as_string())
        monkeypatch.setenv("KNEECOACH_DATABASE_PASSWORD", PASSWORD)
        url = make_url(load_settings().database_url)
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                user = await connection.scalar(text("SELECT current_user"))
        finally:
            await engine.dispose()
        assert user == role
        verifier = await admin.fetchval(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role
        )
        stored, computed = scram_stored_key(url.password, verifier)
        assert stored == computed
        assert scram_stored_key("p", verifier)[1] != stored  # the check can fail
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
