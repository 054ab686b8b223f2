"""Logging set-up that never writes a secret: the bot token is masked in every line, including
exception text and tracebacks that echo a request URL.

Lines written while an update is handled carry its update id, user and handler, as text or as
one JSON object per line. With hashed user ids, a user appears as a keyed hash (stable across
restarts and replicas, not reversible without the token) instead of their Telegram id.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from types import TracebackType
from typing import TextIO

_context: ContextVar[dict[str, object]] = ContextVar("log_context", default={})  # noqa: B039
_user_key: bytes | None = None
_secrets: list[str] = []


def redact(text: str) -> str:
    """text with every configured secret masked (for what is written outside logging)."""
    for secret in _secrets:
        text = text.replace(secret, "[token]")
    return text


def user_ref(user_id: int | None) -> str:
    """How a user appears in logs: their id, or its keyed hash when ids are hashed."""
    if user_id is None:
        return "-"
    if _user_key is None:
        return str(user_id)
    return "u" + hmac.new(_user_key, str(user_id).encode(), hashlib.sha256).hexdigest()[:12]


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Fields added to every log line written inside the block (and tasks it starts)."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class RedactingFormatter(logging.Formatter):
    """Log lines with the context fields appended and every secret masked."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        """The rendered record with secrets masked, the traceback included."""
        return self.redact(self.render(record))

    def render(self, record: logging.LogRecord) -> str:
        """The plain-text line, context fields appended in brackets."""
        text = super().format(record)
        fields = _context.get()
        if fields:
            text += " [" + " ".join(f"{key}={value}" for key, value in fields.items()) + "]"
        return text

    def redact(self, text: str) -> str:
        """The text with every secret replaced by "[token]"."""
        for secret in self._secrets:
            text = text.replace(secret, "[token]")
        return text


class JsonFormatter(RedactingFormatter):
    """One JSON object a line, for log collectors; secrets still masked."""

    def render(self, record: logging.LogRecord) -> str:
        """The record as a JSON object, context fields as top-level keys."""
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    level: str,
    secrets: list[str],
    *,
    json_lines: bool = False,
    hash_user_ids: bool = False,
    stream: TextIO | None = None,
) -> None:
    """Send every log line to one redacting handler on `stream` (stderr by default); quiet the
    libraries whose lines could hold the token. The first secret keys the user-id hash."""
    global _user_key
    _user_key = secrets[0].encode() if hash_user_ids and secrets else None
    _secrets[:] = [secret for secret in secrets if secret]
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter_class = JsonFormatter if json_lines else RedactingFormatter
    handler.setFormatter(
        formatter_class("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO when it is imported.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # An exception nobody catches (in any thread) is written through the same handler, so
    # its traceback is redacted too, instead of by Python's default hook.
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    logging.getLogger("kneecoach").critical("uncaught error", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        logging.getLogger("kneecoach").critical(
            "uncaught error in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
