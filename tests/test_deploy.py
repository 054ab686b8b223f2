"""deploy/: the compose file, the image and the systemd unit say what the README says."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def docker_works(*args: str) -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", *args], capture_output=True, timeout=30).returncode == 0


def test_compose_file_is_valid_and_wires_the_bot_to_postgres():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "bot"}
    postgres, migrate, bot = services["postgres"], services["migrate"], services["bot"]
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["healthcheck"]["test"] == ["CMD", "kneecoach", "healthcheck", "--ready"]
    for service in (migrate, bot):
        # The password travels in its own variable, never inside the URL.
        environment = service["environment"]
        assert environment["KNEECOACH_DATABASE_URL"] == (
            "postgresql://kneecoach@postgres:5432/kneecoach"
        )
        assert environment["KNEECOACH_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    # Only the services that use the database get its password; migrate gets no bot token.
    with_password = {
        name for name, service in services.items() if "POSTGRES_PASSWORD" in str(service)
    }
    assert with_password == {"postgres", "migrate", "bot"}
    assert "env_file" not in migrate and "env_file" not in postgres
    for service in (migrate, bot):  # as deploy/smoke runs the image
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert service["tmpfs"] == ["/tmp"]
    assert (
        bot["image"] == migrate["image"] and migrate["build"]["dockerfile"] == "deploy/Dockerfile"
    )
    assert int(bot["stop_grace_period"].rstrip("s")) > Settings().shutdown_seconds


@pytest.mark.skipif(not docker_works("compose", "version"), reason="no docker compose here")
def test_docker_compose_accepts_the_file():
    env = {**os.environ, "POSTGRES_PASSWORD": "x"}
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_env_example_names_only_real_settings():
    names = re.findall(r"^#?\s*(KNEECOACH_[A-Z_]+)=", (DEPLOY / ".env.example").read_text(), re.M)
    fields = {f"KNEECOACH_{name.upper()}" for name in Settings.model_fields}
    assert set(names) - {"KNEECOACH_COMMAND"} <= fields
    assert {"KNEECOACH_TOKEN", "KNEECOACH_WEBHOOK_URL", "KNEECOACH_WEBHOOK_SECRET"} <= set(names)


def test_dockerfile_is_multi_stage_and_runs_as_a_user():
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    # One pinned base (patch release and Debian release) for both stages.
    assert len(stages) == 2 and stages[0].split()[0] == stages[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", stages[1])
    final = re.sub(r"^#.*\n", "", text.split("\nFROM ")[-1], flags=re.M)  # no comments
    assert re.search(r"^USER 10001:10001$", final, re.M)  # numeric: non-root is visible
    assert "gcc" not in final and "build-essential" not in final and "pip" not in final
    # The installed app only, in one layer: no wheels copied in, nothing removed afterwards.
    assert re.findall(r"^(?:COPY|ADD|RUN --mount)\b.*", final, re.M) == [
        "COPY --from=build /opt/kneecoach /opt/kneecoach"
    ]
    assert "ENV PATH=/opt/kneecoach/bin:$PATH" in final
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD \[\"kneecoach\", \"healthcheck\"\]$", final, re.M)
    assert 'ENTRYPOINT ["kneecoach"]' in final


@pytest.mark.skipif(not docker_works("info"), reason="no Docker engine on this machine")
def test_docker_image_builds():
    result = subprocess.run(
        ["docker", "build", "-f", "deploy/Dockerfile", "-t", "kneecoach:test", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    user = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "id", "kneecoach:test", "-un"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert user.stdout.strip() == "kneecoach"


def test_systemd_unit_is_hardened_and_runs_the_bot():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(DEPLOY / "kneecoach.service")
    service = unit["Service"]
    assert service["ExecStart"].endswith("kneecoach run")
    assert service["ExecStartPre"].endswith("kneecoach db upgrade")
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > Settings().shutdown_seconds
    for option, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "User": "kneecoach",
    }.items():
        assert service[option] == value, option
    documentation = unit["Unit"]["Documentation"]
    assert documentation == "file:///opt/kneecoach/README.md"  # installed by the README's steps


def readme_systemd_steps() -> list[str]:
    section = (ROOT / "README.md").read_text().split("**Without containers (systemd)**", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block[1].splitlines() if line.strip()]


def test_readme_systemd_steps_work_as_written(tmp_path):
    """The README's install steps, run as written in a scratch root: /etc and /opt are folders
    of tmp_path, useradd writes that root's passwd, the venv with the app is stood in for by
    its `kneecoach` command, and systemd-analyze verifies the installed unit there."""
    root = tmp_path / "root"
    steps = readme_systemd_steps()
    assert [step.split()[0] for step in steps] == [
        "useradd",
        "python3",
        "/opt/kneecoach/bin/pip",
        *["install"] * 4,
        "systemctl",
    ]
    (root / "etc/systemd/system").mkdir(parents=True)  # there on any machine with systemd
    for name in ("passwd", "group", "shadow", "gshadow", "login.defs"):
        if Path("/etc", name).exists():
            shutil.copy(Path("/etc", name), root / "etc" / name)
    as_root = os.geteuid() == 0
    for step in steps:
        if step.startswith(("python3 -m venv", "/opt/kneecoach/bin/pip")):
            command = root / "opt/kneecoach/bin/kneecoach"
            command.parent.mkdir(parents=True, exist_ok=True)
            command.write_text("#!/bin/sh\n")
            command.chmod(0o755)
            continue
        if step.startswith("systemctl") or (step.startswith("useradd") and not as_root):
            continue
        command = re.sub(r"(?<=[\s\"])/(etc|opt)/", f"{root}/\\1/", " " + step).strip()
        if step.startswith("useradd"):
            command = command.replace("useradd ", f"useradd --prefix {root} ", 1)
        if not as_root:
            command = command.replace("-o root -g root ", "")
        result = subprocess.run(
            ["bash", "-euc", command],
            env={"PATH": os.environ["PATH"], "REPO": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (result.returncode, result.stderr) == (0, ""), step  # no warnings either
    if as_root:
        assert "kneecoach:x:" in (root / "etc/passwd").read_text()
    assert (root / "etc/kneecoach").stat().st_mode & 0o777 == 0o700
    assert (root / "etc/kneecoach/kneecoach.env").stat().st_mode & 0o777 == 0o600
    assert (root / "opt/kneecoach/README.md").read_text() == (ROOT / "README.md").read_text()
    units = Path("/lib/systemd/system")
    if shutil.which("systemd-analyze") is None or not (units / "sysinit.target").exists():
        pytest.skip("systemd-analyze (or systemd's own units) not installed here")
    shutil.copytree(units, root / "usr/lib/systemd/system", symlinks=True)
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "kneecoach.service"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    enable = subprocess.run(
        ["systemctl", f"--root={root}", "enable", "kneecoach.service"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert enable.returncode == 0, enable.stderr
    wanted = root / "etc/systemd/system/multi-user.target.wants/kneecoach.service"
    assert wanted.is_symlink()  # to /etc/systemd/system/kneecoach.service inside that root
