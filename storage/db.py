"""The database for SQLite (default) and PostgreSQL: connections, transactions, migrations."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


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
    anyway) and its pragmas; PostgreSQL a pool checked before each use."""
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time: several connections only add lock waits with
        # sleeps in between, so the whole process shares one connection, in turn.
        engine = create_async_engine(
            database_url,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=10)


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
        """A Core connection in a transaction, for single-statement writes."""
        async with self.engine.begin() as connection:
            yield connection

    async def ping(self, timeout: float) -> None:
        """Raise unless the database answers a trivial query within timeout seconds."""
        async with asyncio.timeout(timeout), self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to `revision`."""
        await upgrade(self.engine, revision)

    async def dispose(self) -> None:
        """Close every pooled connection; the engine is unusable afterwards."""
        await self.engine.dispose()


def alembic_config() -> Config:
    """Alembic's configuration pointing at storage/migrations, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# pg_advisory_xact_lock key: "knee" in ASCII. Replicas starting together migrate one at a time;
# the later ones find the schema current and do nothing.
MIGRATION_LOCK = 0x6B6E6565


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations on the app's own engine (Alembic's connection-sharing recipe), one
    process at a time on PostgreSQL (SQLite's own write lock already serialises them)."""

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
