"""SQLite whose statements run on the event loop, for the connection the turns share.

Why: aiosqlite runs each call in its thread, and SQLAlchemy's adapter makes four calls per
statement (cursor, execute, fetch, close) and two per transaction: every call is a thread
hand-off both ways, and those hand-offs were most of an update's CPU on SQLite (BENCHMARKS.md,
"SQLite on the event loop"). A turn's statements are short and the process has one writing
connection (storage.db), so running them at once costs less than handing them off; long reads
(/export) keep aiosqlite's thread on a connection of their own (storage.db.reading_engine).

How, through SQLAlchemy's public seams only: a driver that fulfils SQLAlchemy's asyncio
driver protocols (`AsyncIODBAPIConnection`, `AsyncIODBAPICursor`) with coroutines that finish
without suspending, adapted by SQLAlchemy's own generic adapter classes, under a dialect
registered with SQLAlchemy's dialect registry as ``sqlite+kneecoach``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Self, cast

from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_module,
    AsyncIODBAPIConnection,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

DRIVER = "sqlite+kneecoach"


class Cursor:
    """A sqlite3 cursor behind the coroutines SQLAlchemy's adapter awaits."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.cursor.close()

    @property
    def description(self) -> Any:
        return self.cursor.description

    @property
    def rowcount(self) -> int:
        return self.cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self.cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self.cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self.cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = None) -> Self:
        if parameters is None:
            self.cursor.execute(operation)
        else:
            self.cursor.execute(operation, parameters)
        return self

    async def executemany(self, operation: str, parameters: Any) -> Self:
        self.cursor.executemany(operation, parameters)
        return self

    async def fetchone(self) -> Any:
        return self.cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self.cursor.fetchmany(self.cursor.arraysize if size is None else size)

    async def fetchall(self) -> Sequence[Any]:
        return self.cursor.fetchall()

    async def close(self) -> None:
        self.cursor.close()


class Connection:
    """A sqlite3 connection behind the coroutines SQLAlchemy's adapter awaits."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def cursor(self, *_args: Any, **_kwargs: Any) -> Cursor:
        return Cursor(self.connection.cursor())

    async def commit(self) -> None:
        self.connection.commit()

    async def rollback(self) -> None:
        self.connection.rollback()

    async def close(self) -> None:
        self.connection.close()


class AdaptedConnection(AsyncAdapt_dbapi_connection):
    """SQLAlchemy's generic adapter, plus what its SQLite dialects set on a connection."""

    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        return self.driver_connection.connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self.driver_connection.connection.isolation_level = value

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.driver_connection.connection.create_function(*args, **kwargs)


class OnLoopDBAPI(AsyncAdapt_dbapi_module):
    """sqlite3 as an asyncio DB-API module: its names, errors and a connect()."""

    paramstyle = "qmark"
    has_stop = False  # no thread to stop: a connection is closed, not terminated

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "InterfaceError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "sqlite_version",
            "sqlite_version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kwargs: Any) -> AdaptedConnection:
        driver = Connection(sqlite3.connect(*args, **kwargs))
        # The protocol also has __getattr__, for drivers' attributes beyond it: none here.
        return AdaptedConnection(self, cast(AsyncIODBAPIConnection, driver))


class SQLiteOnLoopDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's aiosqlite dialect (SQL, pool, isolation) on the driver above."""

    driver = "kneecoach"
    supports_statement_cache = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> OnLoopDBAPI:  # type: ignore[override]
        return OnLoopDBAPI()

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return SQLiteDialect_pysqlite.retrieve_dbapi_version(self, dbapi)  # the driver is sqlite3


registry.register("sqlite.kneecoach", __name__, "SQLiteOnLoopDialect")
