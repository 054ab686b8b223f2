"""Configuration from KNEECOACH_* environment variables (or a .env file)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "KNEECOACH_"
DEFAULT_BOT_API_URL = "https://api.telegram.org/bot"
_TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,100}$")
_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Plain driver names are accepted and upgraded to the async drivers the app uses.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class SettingsError(Exception):
    """Configuration is missing or malformed; the message names the variable, never its value."""


class Settings(BaseSettings):
    """Every setting, from KNEECOACH_* environment variables or a .env file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///kneecoach.db"
    # The PostgreSQL password on its own, so it may contain any character (@ / # : ...); it
    # replaces a password in the URL.
    database_password: SecretStr | None = None
    bot_api_url: str = DEFAULT_BOT_API_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Long-polling timeout in seconds for getUpdates.
    poll_timeout: int = Field(default=10, ge=0, le=50)
    # Reminders: how often the engine wakes, how late a missed slot may still be sent, and how
    # long a claim by a crashed worker blocks its pushes.
    tick_seconds: float = Field(default=60, gt=0, le=3600)
    reminder_grace_hours: float = Field(default=3, ge=0, le=48)
    claim_lease_seconds: float = Field(default=600, gt=0, le=86400)
    # Telegram's limits: 30 messages/s overall (up to 1000 with paid broadcasts), and a short
    # burst then one message a second per chat.
    messages_per_second: int = Field(default=30, ge=1, le=1000)
    chat_burst: int = Field(default=3, ge=1, le=100)
    chat_per_second: float = Field(default=1.0, gt=0, le=30)
    # Updates one chat may have waiting; past it the person is asked to slow down and the
    # rest is dropped. Stored updates of a process that died are taken up after the lease.
    chat_queue_limit: int = Field(default=20, ge=1, le=10_000)
    inbox_lease_seconds: float = Field(default=30, gt=0, le=3600)
    # Webhook mode (`kneecoach run --webhook`): the public HTTPS URL Telegram posts to (its
    # path is served locally too) and the secret Telegram sends back in a header.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # The HTTP server: /healthz, /readyz, /metrics, and the webhook. Port 0 = no HTTP server
    # (development; not with --webhook). A port already in use, e.g. by a second instance on
    # the same machine, stops the start with an error naming KNEECOACH_HTTP_PORT.
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # On SIGTERM, how long to wait for the stored updates and the reminder batch in flight
    # (keep it under the orchestrator's grace period: what is left is handed back).
    shutdown_seconds: float = Field(default=20, ge=0, le=600)
    # Logs: "text" or one JSON object per line; user ids as a keyed hash instead of the id.
    log_format: Literal["text", "json"] = "text"
    log_hash_user_ids: bool = False
    # Rendered exercise animations are cached here (made if missing; if it cannot be written
    # they are drawn in memory). Default: a kneecoach-media folder in the temp directory.
    media_dir: Path | None = None
    # The bot's @username for the t.me links `kneecoach clinician add` prints (without a
    # token it cannot ask Telegram); None: asked from Telegram when a token is set.
    bot_username: str | None = Field(default=None, pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as error:
            raise ValueError("is not a database URL such as sqlite:///kneecoach.db") from error
        driver = _ASYNC_DRIVERS.get(url.drivername)
        if driver is None:
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("database_password")
    @classmethod
    def _password_needs_postgresql(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        url = info.data.get("database_url")
        if value is not None and url is not None and not url.startswith("postgresql"):
            raise ValueError("is only used with a postgresql:// KNEECOACH_DATABASE_URL")
        return value

    @model_validator(mode="after")
    def _apply_database_password(self) -> Settings:
        # SQLAlchemy sets the password on the parsed URL and escapes it when it renders the
        # URL, so "p@ss/w#rd:1" stays a password instead of becoming part of the host.
        if self.database_password is not None:
            url = make_url(self.database_url).set(
                password=self.database_password.get_secret_value()
            )
            self.database_url = url.render_as_string(hide_password=False)
        return self

    @field_validator("bot_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https://[^\s/]+(/\S*)?$", value):
            raise ValueError("must be an https:// URL (Telegram only posts to HTTPS)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters: letters, digits, _ and -")
        return value

    def secrets(self) -> list[str]:
        """Values the logs must never show: the token first (it keys hashed user ids), the
        webhook secret, and the database password as typed and as escaped in the URL."""
        values = [
            secret.get_secret_value()
            for secret in (self.token, self.webhook_secret, self.database_password)
            if secret is not None
        ]
        if self.database_password is not None:
            values.append(quote(self.database_password.get_secret_value(), safe=" +"))
        return values

    def require_webhook(self) -> tuple[str, str]:
        """The webhook URL and secret, both needed for --webhook."""
        missing = [
            f"{ENV_PREFIX}{name}: not set (needed for --webhook)"
            for name, value in (
                ("WEBHOOK_URL", self.webhook_url),
                ("WEBHOOK_SECRET", self.webhook_secret),
            )
            if value is None
        ]
        if missing:
            raise SettingsError("; ".join(missing))
        assert self.webhook_url is not None and self.webhook_secret is not None
        return self.webhook_url, self.webhook_secret.get_secret_value()

    def require_token(self) -> str:
        """The bot token; a SettingsError saying where to get one if it is not set."""
        if self.token is None:
            raise SettingsError(f"{ENV_PREFIX}TOKEN: not set (get a token from @BotFather)")
        return self.token.get_secret_value()


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or a SettingsError with one line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        lines = []
        for item in error.errors():
            variable = ENV_PREFIX + ".".join(str(part) for part in item["loc"]).upper()
            lines.append(f"{variable}: {item['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(lines)) from None
