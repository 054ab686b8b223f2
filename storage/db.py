"""The database for SQLite (default) and PostgreSQL: connections, transactions, migrations."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(.+?)\s*(?:#.*)?$", re.MULTILINE)


class DatabaseUnavailable(Exception):
    """The database cannot be opened; the message says why (never with a password)."""


def sqlite_problem(database_url: str) -> str | None:
    """Why a SQLite database at this URL could not be opened for writing, if that can be
    seen before trying: a missing directory, a directory where the file should be, a
    read-only file or directory (SQLite also writes its journal files beside the database).
    None for other databases, in-memory ones, and paths that look fine."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database or "")
    folder = path.parent
    if path.is_dir():
        return f"{path} is a directory, not a database file"
    if not folder.exists():
        return f"the directory {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a directory"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"{path} cannot be read and written (read-only?)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the directory {folder} cannot be written (read-only?)"
    return None


class _InlineSqlite(aiosqlite.Connection):
    """aiosqlite, each call made right here on the event loop instead of handed to its thread.

    The hand-over (a queue put, a thread switch, the answer posted back to the loop) cost more
    CPU than the statements themselves: a quarter of the bot's CPU per update in the profile
    (bench/updates.py --profile, issue 14). SQLite statements on a local file take tens of
    microseconds, and with WAL and synchronous=NORMAL a commit does not wait for the disk, so
    running them inline blocks the loop no longer than the hand-over did. The one long wait
    is another process holding the write lock (the busy timeout); a SQLite database belongs
    to one bot process, so that is only an operator's tool at work, e.g. a backup."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_sqlite(database: str, **kwargs: Any) -> aiosqlite.Connection:
    """SQLAlchemy's async_creator_fn: the connection opens in aiosqlite's thread as usual
    (which stays, idle, for closing it), then is used from the loop's thread."""
    kwargs["check_same_thread"] = False
    connection = _InlineSqlite(partial(sqlite3.connect, database, **kwargs), 64)
    connection._thread.daemon = True
    return connection


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for the URL. SQLite gets one shared connection (it has one writer
    anyway) and its pragmas; PostgreSQL a pool."""
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time: several connections only add lock waits with
        # sleeps in between, so the whole process shares one connection, in turn.
        engine = create_async_engine(
            database_url,
            connect_args={"timeout": 30, "async_creator_fn": _inline_sqlite},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it cost a round trip per checkout (two per update) to catch what a failed
    # statement catches anyway. A connection lost under a turn invalidates the pool and the
    # turn runs again on a new one (handlers.common.turn_handler); a failed reminder tick or
    # inbox write is tried again by the next tick or poll.
    return create_async_engine(database_url, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """One engine and its ORM transactions; `db` in code is an AsyncSession from here (a
    "session" in this project is a training session)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._factory = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, database_url: str) -> Database:
        """The database at this URL; DatabaseUnavailable if it plainly cannot be written."""
        problem = sqlite_problem(database_url)
        if problem is not None:
            raise DatabaseUnavailable(problem)
        return cls(create_engine(database_url))

    @property
    def dialect(self) -> str:
        """The SQLAlchemy dialect name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One ORM transaction: committed when the block ends, rolled back on an error."""
        async with self._factory() as db, db.begin():
            yield db

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection for single-statement writes (each statement stands alone).

        On PostgreSQL each statement is its own transaction (autocommit): BEGIN and COMMIT
        around it were two of the three round trips of storing an update. SQLite keeps an
        explicit transaction: aiosqlite would switch the isolation level on its own thread,
        beside the calls made inline (_InlineSqlite)."""
        if self.dialect == "postgresql":
            async with self.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with self.engine.begin() as connection:
            yield connection

    async def ping(self, timeout: float) -> None:
        """Raise unless the database answers a trivial query within timeout seconds."""
        async with asyncio.timeout(timeout), self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to `revision`."""
        await upgrade(self.engine, revision)

    async def is_current(self) -> bool:
        """The schema is at the newest migration, read without Alembic (which costs the bot
        process 11 MB it would keep): a start on an up-to-date database never loads it."""
        head = head_revision()
        if head is None:
            return False
        try:
            async with self.engine.connect() as connection:
                found = await connection.scalars(text("SELECT version_num FROM alembic_version"))
                return list(found) == [head]
        except DBAPIError:  # no such table yet, or no database: the upgrade will tell
            return False

    async def upgrade_if_needed(self) -> None:
        """Migrate only when behind: a current database never loads Alembic."""
        if not await self.is_current():
            await self.upgrade()

    async def dispose(self) -> None:
        """Close every pooled connection; the engine is unusable afterwards."""
        await self.engine.dispose()


def head_revision() -> str | None:
    """The newest migration's revision id, from the version files' `revision` and
    `down_revision` lines; None unless there is exactly one head (then ask Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            names = set(re.findall(r"[\"']([^\"']+)[\"']", value))
            (parents if down else revisions).update(names)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def alembic_config() -> Config:
    """Alembic's configuration pointing at storage/migrations, without an alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# pg_advisory_xact_lock key: "knee" in ASCII. Replicas starting together migrate one at a time;
# the later ones find the schema current and do nothing.
MIGRATION_LOCK = 0x6B6E6565


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations on the app's own engine (Alembic's connection-sharing recipe), one
    process at a time on PostgreSQL (SQLite's own write lock already serialises them)."""

    from alembic import command

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(run)
