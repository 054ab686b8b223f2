"""The database for SQLite (default) and PostgreSQL: connections, transactions, migrations."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from sqlalchemy.pool import NullPool

from storage import sqlite_on_loop

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


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for the URL. SQLite gets one shared connection (it has one writer
    anyway) and its pragmas, its statements run on the event loop (storage.sqlite_on_loop);
    PostgreSQL a pool."""
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time: several connections only add lock waits with
        # sleeps in between, so the whole process shares one connection, in turn.
        engine = create_async_engine(
            make_url(database_url).set(drivername=sqlite_on_loop.DRIVER),
            connect_args={"timeout": 30},
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


def reading_engine(engine: AsyncEngine) -> AsyncEngine:
    """Where long reads run: each transaction one snapshot, read-only, its statements never on
    the event loop, and not on the connection the turns share.

    PostgreSQL: the same pool, REPEATABLE READ and READ ONLY (asyncpg awaits every fetch).
    SQLite: a connection of its own per read, beside the one the turns share; with WAL a
    reader never waits for the writer nor holds it up. sqlite3 begins no transaction for a
    SELECT, so BEGIN is said explicitly (SQLAlchemy's recipe for aiosqlite)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    reader = create_async_engine(
        engine.url.set(drivername="sqlite+aiosqlite"),
        connect_args={"timeout": 30},
        poolclass=NullPool,
    )
    event.listen(reader.sync_engine, "connect", _read_only)
    event.listen(reader.sync_engine, "begin", _begin)
    return reader


def _read_only(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy says BEGIN (_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


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
        self._reader = reading_engine(engine)
        self._reading = async_sessionmaker(self._reader, expire_on_commit=False)

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
        explicit transaction, which costs no round trip there."""
        if self.dialect == "postgresql":
            async with self.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only snapshot for a long read (/export) beside the turns (reading_engine)."""
        async with self._reading() as db, db.begin():
            yield db

    async def ping(self, timeout: float) -> None:
        """Raise unless the database answers a trivial query within timeout seconds."""
        async with asyncio.timeout(timeout), self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to `revision`."""
        await upgrade(self.engine, revision)

    async def is_current(self) -> bool:
        """The schema is at the newest migration, read without Alembic (whose memory the bot
        process would keep): a start on an up-to-date database never loads it."""
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
        """Close every pooled connection; the engines are unusable afterwards."""
        await self._reader.dispose()
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
