"""Watching the inbox's record of handled updates from a test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from storage.db import Database

# An UPDATE of the inbox whose SET clause (before WHERE) sets handled_at.
RECORDS_HANDLED = re.compile(r"^UPDATE inbox SET (?:(?!WHERE).)*handled_at", re.I | re.DOTALL)


@contextmanager
def records_of_handled(database: Database) -> Iterator[list[str]]:
    """The statements sent to the database that record updates as handled, while the block
    runs."""
    seen: list[str] = []

    def sent(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if RECORDS_HANDLED.match(statement):
            seen.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", sent)
