"""Test databases: a fresh SQLite file per test, one fresh PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, upgrade
from storage.models import Base

POSTGRES_ADMIN_DSN = os.environ.get(
    "KNEECOACH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


async def _postgres_reachable() -> bool:
    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


def postgres_or_skip() -> None:
    """Skip locally without PostgreSQL; in CI (CI=true) its absence is a failure."""
    if not asyncio.run(_postgres_reachable()):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI but {POSTGRES_ADMIN_DSN} is unreachable")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")


async def create_postgres_database(*, migrate: bool = True) -> str:
    name = f"kneecoach_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    if migrate:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
    return url


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


# What TRUNCATE's RESTART IDENTITY did: every sequence back at its start.
RESTART_SEQUENCES = """
DO $$
DECLARE s record;
BEGIN
    FOR s IN SELECT sequence_schema, sequence_name FROM information_schema.sequences LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.sequence_schema, s.sequence_name);
    END LOOP;
END $$
"""


async def empty_tables(engine: AsyncEngine) -> None:
    """Every table empty and every id sequence restarted, as in a new database. DELETE, not
    TRUNCATE: TRUNCATE gives each of the tables a new file (0.15-0.4 s a test on this
    machine), deleting a test's few rows takes 20 ms."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):  # those that refer to others first
            await connection.execute(table.delete())
        await connection.execute(text(RESTART_SEQUENCES))
