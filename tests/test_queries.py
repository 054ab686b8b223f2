"""No query runs twice in one update (issue 23): each reply reads what it needs once, with no
hidden memo to keep in step. Every statement the bot sends while handling an input is
recorded with its parameters; a repeat is a defect."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.test_adapting import JOINED, Days


@contextmanager
def statements(services):
    seen: list[tuple[str, str]] = []
    engine = services.database.engine.sync_engine

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, repr(parameters)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def repeated(seen: list[tuple[str, str]]) -> list[str]:
    """Reads sent twice with the same parameters (writes may legitimately repeat a shape)."""
    counts = Counter(seen)
    return [
        statement
        for (statement, _params), count in counts.items()
        if count > 1 and statement.lstrip().upper().startswith("SELECT")
    ]


@pytest.fixture
async def ready_chat(chat):
    await chat.onboard(morning="08:00")
    return chat


@pytest.mark.parametrize(
    "said", ["/today", "done", "done, pain 3", "/exercise hip bump", "/progress", "/history"]
)
async def test_one_update_reads_each_row_once(harness, ready_chat, said):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    with statements(harness.services) as seen:
        await ready_chat.send(said)
    assert seen, "the update ran no statement at all"
    assert repeated(seen) == []


async def test_a_score_and_a_morning_read_each_row_once(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await ready_chat.send("done")
    with statements(harness.services) as seen:
        await ready_chat.send("2")
    assert repeated(seen) == [], "\n".join(s for s, _ in seen)
    await days.to(JOINED.replace(day=JOINED.day + 1))
    with statements(harness.services) as seen:
        await ready_chat.send("morning 3")
    assert repeated(seen) == []
