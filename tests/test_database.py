"""Migrations produce exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.models import Base


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
