"""What the intake accepts as an update, and whose it is.

Both are read from the JSON as it came, before PTB's objects are made: a refused or dropped
update never needs them, and whatever a forged one holds must not stall anyone. Who an update
belongs to (its route) decides which of them wait for one another.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

# Telegram's update ids are positive and fit the inbox's BIGINT; its updates nest a dozen
# levels at most (a reply's quoted message, a keyboard's rows of buttons).
MAX_UPDATE_ID = 2**63 - 1
MAX_DEPTH = 32


class NotAnUpdate(ValueError):
    """Data that cannot be a Telegram update: it is refused, not stored."""


def update_id_of(data: object) -> int:
    """The update_id of what claims to be a Telegram update, or NotAnUpdate: it must be a JSON
    object with an integer update_id, and no deeper than any real update."""
    if not isinstance(data, dict):
        raise NotAnUpdate("not a JSON object")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        raise NotAnUpdate("update_id is not a positive integer")
    if _deeper_than(data, MAX_DEPTH):
        raise NotAnUpdate(f"nested more than {MAX_DEPTH} levels deep")
    return update_id


def _deeper_than(data: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


@dataclass(frozen=True)
class Queued:
    """An update stored and waiting for a worker, as it came from Telegram."""

    update_id: int
    payload: dict[str, Any]

    @property
    def kind(self) -> str:
        """Its type: message, callback_query, ... (metrics count updates by it)."""
        return next((key for key in self.payload if key != "update_id"), "other")


def loads(payload: str) -> dict[str, Any]:
    """A stored payload back as JSON; {} when it is not an object (PTB then cannot read it,
    and it is skipped as any unreadable update)."""
    with contextlib.suppress(ValueError):
        data = json.loads(payload)
        if isinstance(data, dict):
            return data
    return {}


@dataclass(frozen=True)
class Route:
    """Updates with one key are handled in order, one at a time: a chat's, else a person's;
    an update with neither is on its own. The chat and the person's language are where a
    slow-down notice goes, and in which words."""

    key: Hashable
    chat_id: int | None
    user_id: int | None
    language: str | None


def route_of(update_id: int, payload: dict[str, Any]) -> Route:
    """Whose update this is; never raises, whatever the payload holds."""
    body = next(
        (
            value
            for key, value in payload.items()
            if key != "update_id" and isinstance(value, dict)
        ),
        {},
    )
    message = body.get("message")
    chat = body.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
    sender = body.get("from") or body.get("user")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    user_id = sender.get("id") if isinstance(sender, dict) else None
    language = sender.get("language_code") if isinstance(sender, dict) else None
    chat_id = chat_id if type(chat_id) is int else None
    user_id = user_id if type(user_id) is int else None
    if chat_id is not None:
        key: Hashable = ("chat", chat_id)
    elif user_id is not None:
        key = ("user", user_id)
    else:
        key = ("update", update_id)
    return Route(key, chat_id, user_id, language if isinstance(language, str) else None)
