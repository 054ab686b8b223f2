"""The container smoke test's driver; `deploy/smoke` prepares podman and the base, then runs this.

It builds deploy/Dockerfile with podman and runs the image the way README's Deploy section
describes, against this machine's PostgreSQL and the project's Bot API emulator on the host
(host networking), and checks: a non-root numeric uid; `kneecoach db upgrade`; the image's
HEALTHCHECK passing on a changed KNEECOACH_HTTP_PORT; /healthz, /readyz and /metrics; a /start
answered and a pain chart drawn through the emulator; all of it with a read-only root file
system and no capabilities; a database password containing @ / # : (never in the logs); and
SIGTERM ending the bot with status 0 within compose's grace period. It prints the image size.

Everything it creates (a database, a role, a container, the emulator) is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:smoke-test-token-abcdef"
PASSWORD = "p@ss/w#rd:1"  # parsed as host "ss" if it were pasted into the URL
USER_ID = 4242
GRACE_SECONDS = 30  # compose's stop_grace_period
# Hardened as README suggests: nothing writable but a small /tmp, no capabilities at all.
HARDENED = [
    "--read-only",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--tmpfs=/tmp:rw,nosuid,nodev,size=64m",
]
# Keys of pip's configuration that mean the same inside the build; paths on this machine
# (file:// indexes, find-links folders, constraint files) do not exist there and are dropped.
PIP_KEYS = {
    "index-url",
    "extra-index-url",
    "find-links",
    "trusted-host",
    "timeout",
    "default-timeout",
    "retries",
    "proxy",
}


class SmokeError(Exception):
    pass


def step(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Print the step's name, its outcome and how long it took."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                result = function(*args, **kwargs)
            except Exception:
                print(f"FAIL {name} ({time.monotonic() - started:.1f} s)", flush=True)
                raise
            print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
            return result

        return run

    return decorate


def run(*command: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise SmokeError(
            f"{shlex.join(command)} exited with {result.returncode}:\n"
            f"{(result.stdout + result.stderr)[-3000:]}"
        )
    return result


def podman(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return run("podman", *args, **kwargs)


# -- pip's settings for the build ---------------------------------------------------------


def pip_build_secrets(folder: Path) -> list[str]:
    """`--secret` options handing this machine's pip settings to the build: a pip.conf and,
    when pip is told to trust a CA bundle, that bundle. Nothing of them lands in a layer."""
    listed = run(sys.executable, "-m", "pip", "config", "list", check=False).stdout
    settings: dict[str, str] = {}
    for line in listed.splitlines():
        match = re.fullmatch(r"[^.]*\.([a-z-]+)='(.*)'", line.strip())
        if match:
            settings[match[1]] = match[2]  # later scopes (env vars) win, as in pip
    lines, dropped = ["[global]"], []
    options: list[str] = []
    cert = settings.get("cert")
    if cert and Path(cert).is_file():
        options += ["--secret", f"id=pip-ca.crt,src={cert}"]
        lines.append("cert = /run/secrets/pip-ca.crt")
    for key, value in settings.items():
        if key not in PIP_KEYS:
            continue
        kept = [item for item in value.split() if re.match(r"^(https?://|\d|[a-z0-9.-]+$)", item)]
        dropped += [f"{key}={item}" for item in value.split() if item not in kept]
        if kept:
            lines.append(f"{key} = {' '.join(kept)}")
    conf = folder / "pip.conf"
    conf.write_text("\n".join(lines) + "\n")
    options += ["--secret", f"id=pip.conf,src={conf}"]
    shown = ", ".join(line for line in lines[1:]) or "none"
    print(f"     pip settings for the build: {shown}")
    if dropped:
        print(f"     not passed (paths on this machine): {', '.join(dropped)}")
    return options


# -- the database and the emulator on the host ---------------------------------------------


async def _admin(dsn: str, *statements: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def smoke_database(admin_dsn: str) -> Iterator[str]:
    """A fresh database owned by a fresh role whose password is PASSWORD; dropped after."""
    name = f"kneecoach_smoke_{secrets.token_hex(4)}"
    password = PASSWORD.replace("'", "''")
    asyncio.run(
        _admin(
            admin_dsn,
            f"CREATE ROLE {name} LOGIN PASSWORD '{password}'",
            f"CREATE DATABASE {name} OWNER {name}",
        )
    )
    try:
        yield name
    finally:
        asyncio.run(
            _admin(
                admin_dsn,
                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                f"DROP ROLE IF EXISTS {name}",
            )
        )


async def _tables(admin_dsn: str, database: str) -> list[str]:
    dsn = make_url(admin_dsn).set(database=database).render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await connection.close()
    return sorted(row["table_name"] for row in rows)


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """`python -m sandbox.emulator` on the host; yields its base URL (KNEECOACH_BOT_API_URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.emulator", "--token", TOKEN, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http://"):
            raise SmokeError(f"the emulator did not start (printed {base_url!r})")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


class Emulator:
    """The emulator's control API: play the user, read what the bot did."""

    def __init__(self, base_url: str) -> None:
        self.control = base_url.removesuffix("/bot") + "/_emulator"
        self.seen = 0
        self.history: list[dict[str, Any]] = []  # everything the bot did in the user's chat

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.control + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def events(self) -> list[dict[str, Any]]:
        return self._call(f"/events?since={self.seen}")

    def say(self, text: str, expect: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        self._call("/message", {"user_id": USER_ID, "text": text})
        return self._wait(f"the reply to {text!r}", expect)

    def press(self, label: str, expect: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        message_id, data = self.button(label)
        self._call("/press", {"user_id": USER_ID, "message_id": message_id, "data": data})
        return self._wait(f"the answer to the button {label!r}", expect)

    def button(self, label: str) -> tuple[int, str]:
        for event in reversed(self.history):
            for row in event["buttons"]:
                for text, data in row:
                    if label.lower() in text.lower():
                        return event["message_id"], data
        raise SmokeError(f"no button {label!r} in the chat")

    def _wait(
        self, what: str, expect: Callable[[dict[str, Any]], bool], timeout: float = 20
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        new: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            batch = self.events()
            self.seen += len(batch)
            mine = [event for event in batch if event["chat_id"] == USER_ID]
            new += mine
            self.history = [*self.history, *mine]
            if any(expect(event) for event in new):
                return new
            time.sleep(0.1)
        raise SmokeError(f"no {what} within {timeout:.0f} s; the bot did: {new}")


def has_button(label: str) -> Callable[[dict[str, Any]], bool]:
    return lambda event: any(label in text for row in event["buttons"] for text, _ in row)


def says(fragment: str) -> Callable[[dict[str, Any]], bool]:
    return lambda event: fragment.lower() in event["text"].lower()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return 0, str(error)


def wait_for_status(url: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    status, body = 0, ""
    while time.monotonic() < deadline:
        status, body = get(url)
        if status == 200:
            return body
        time.sleep(0.25)
    raise SmokeError(f"{url} answered {status} for {timeout:.0f} s: {body[:300]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the steps ----------------------------------------------------------------------------


@step("build the image (podman build --format docker)")
def build(image: str, dockerfile: str, state: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="kneecoach-pip-") as folder:
        os.chmod(folder, 0o700)
        options = pip_build_secrets(Path(folder))
        log = state / "build.log"
        common = ["--pull=never", "--network=host", "--format=docker", "--file", dockerfile]
        # The build stage gets a tag of its own, so that it is kept (with the dependency
        # layer) as the cache for the next run while older leftovers are pruned.
        result = podman(
            "build", *common, "--target=build", f"--tag={image}-build", *options, str(ROOT),
            check=False,
        )  # fmt: skip
        if result.returncode == 0:
            final = podman("build", *common, f"--tag={image}", *options, str(ROOT), check=False)
            result = subprocess.CompletedProcess(
                final.args,
                final.returncode,
                result.stdout + final.stdout,
                result.stderr + final.stderr,
            )
        log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SmokeError(f"podman build failed; the end of {log}:\n{log.read_text()[-3000:]}")
    warnings = [line for line in log.read_text().splitlines() if "useradd warning" in line]
    if warnings:
        raise SmokeError(f"useradd warned: {warnings}")


@step("image config: numeric non-root USER, HEALTHCHECK kept, SIGTERM")
def check_config(image: str) -> int:
    [info] = json.loads(podman("image", "inspect", image).stdout)
    config = info["Config"]
    user = config.get("User", "")
    if not re.fullmatch(r"[1-9]\d*(:\d+)?", user):
        raise SmokeError(f"USER is {user!r}, not a numeric non-root uid")
    health = (info.get("Healthcheck") or config.get("Healthcheck") or {}).get("Test")
    if health != ["CMD", "kneecoach", "healthcheck"]:
        raise SmokeError(f"HEALTHCHECK is {health!r} (built without --format docker?)")
    if config.get("StopSignal") not in ("SIGTERM", "15"):
        raise SmokeError(f"STOPSIGNAL is {config.get('StopSignal')!r}")
    ids = podman("run", "--rm", "--entrypoint=id", image, "-u").stdout.strip()
    if ids != user.split(":")[0]:
        raise SmokeError(f"the container runs as uid {ids}, the image says {user}")
    return int(info["Size"])


PACKAGES = ("bot", "content", "handlers", "media", "sandbox", "scheduler", "usecases")
CODE_DIGEST = """
import hashlib, importlib, pathlib, sys
digest = hashlib.sha256()
for name in sys.argv[1:]:
    root = pathlib.Path(importlib.import_module(name).__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml", ".ini"):
            digest.update(f"{name}/{path.relative_to(root)}".encode() + path.read_bytes())
print(digest.hexdigest())
"""


@step("the image holds this working tree's code (no stale build cache)")
def check_code(image: str) -> None:
    here = run(sys.executable, "-c", CODE_DIGEST, *PACKAGES, cwd=ROOT).stdout.strip()
    there = podman(
        "run", "--rm", "--network=none", "--entrypoint=python", image, "-c", CODE_DIGEST,
        *PACKAGES,
    ).stdout.strip()  # fmt: skip
    if here != there:
        raise SmokeError("the image's code differs from the working tree's")


@step("kneecoach db upgrade (read-only, no capabilities, password with @ / # :)")
def migrate(image: str, env: dict[str, str], admin_dsn: str, database: str) -> None:
    result = podman(
        "run", "--rm", "--network=host", *HARDENED, *env_options(env), image, "db", "upgrade",
        env={**os.environ, **env},
    )  # fmt: skip
    if "database is up to date" not in result.stdout:
        raise SmokeError(f"db upgrade said: {result.stdout}{result.stderr}")
    tables = asyncio.run(_tables(admin_dsn, database))
    if "alembic_version" not in tables or len(tables) < 3:
        raise SmokeError(f"after db upgrade the database has the tables {tables}")


def env_options(env: dict[str, str]) -> list[str]:
    """`-e NAME` without the value: podman takes it from its own environment, so secrets
    are not on a command line that `ps` shows."""
    return [f"--env={name}" for name in env]


@step("bot starts; the image's HEALTHCHECK passes (podman healthcheck run)")
def start_bot(image: str, name: str, env: dict[str, str], port: int) -> None:
    podman(
        "run", "--detach", "--name", name, "--network=host", *HARDENED, *env_options(env),
        image, env={**os.environ, **env},
    )  # fmt: skip
    wait_for_status(f"http://127.0.0.1:{port}/healthz", timeout=60)
    check = podman("healthcheck", "run", name, check=False)
    if check.returncode != 0:
        raise SmokeError(f"podman healthcheck run: {check.stdout}{check.stderr}")
    status = podman("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
    if status != "healthy":
        raise SmokeError(f"health status is {status!r}")


@step("/healthz, /readyz (database and Bot API), /metrics answer 200")
def endpoints(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    wait_for_status(f"{base}/healthz", timeout=10)
    wait_for_status(f"{base}/readyz", timeout=30)
    metrics = wait_for_status(f"{base}/metrics", timeout=10)
    if "kneecoach_updates_total" not in metrics:
        raise SmokeError("/metrics has no kneecoach_updates_total")


@step("/start answered through the emulator")
def start_answered(chat: Emulator) -> None:
    chat.say("/start", has_button("I understand"))


@step("onboarding, a session done, a pain score, /progress: a chart is sent (sendPhoto)")
def chart_drawn(chat: Emulator) -> None:
    chat.press("I understand", has_button("None of these"))
    chat.press("None of these", lambda event: event["method"] == "sendMessage")
    chat.say("Berlin", has_button("Save days"))
    chat.press("Save days", has_button("18:00"))
    chat.press("18:00", has_button("08:00"))
    chat.press("08:00", says("all set"))
    # The bot's clock is the real one: on a rest day in Berlin "done" first asks whether to
    # log an extra session.
    extra = says("extra session")
    answer = chat.say("done", lambda event: says("0 means no pain")(event) or extra(event))
    if any(extra(event) for event in answer):
        chat.press("Yes, log it", says("0 means no pain"))
    chat.say("2", lambda event: event["method"] == "sendMessage")
    chat.say("/progress", lambda event: event["method"] == "sendPhoto")


@step("inside: root file system read-only, no capabilities, uid 10001")
def hardened(name: str) -> None:
    probe = (
        "import os\n"
        "try:\n    open('/app/probe', 'w')\nexcept OSError as e:\n    print('write', e.errno)\n"
        "caps = [l.split()[1] for l in open('/proc/1/status') if l.startswith('CapEff')]\n"
        "print('caps', caps[0], 'uid', os.getuid())\n"
    )
    output = podman("exec", name, "python", "-c", probe).stdout.split()
    if output != ["write", "30", "caps", "0000000000000000", "uid", "10001"]:
        raise SmokeError(f"inside the container: {output} (want EROFS, no caps, uid 10001)")


@step(f"SIGTERM: exit status 0 within {GRACE_SECONDS} s")
def stop(name: str) -> float:
    started = time.monotonic()
    podman("stop", f"--time={GRACE_SECONDS}", name)
    took = time.monotonic() - started
    code = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    logs = podman("logs", name)
    if code != "0" or took >= GRACE_SECONDS:
        raise SmokeError(f"exit status {code} after {took:.1f} s:\n{logs.stderr[-2000:]}")
    if "Knee Coach stopped cleanly" not in logs.stdout + logs.stderr:
        raise SmokeError(f"the log does not end cleanly:\n{logs.stderr[-2000:]}")
    return took


@step("the logs show neither the token nor the database password")
def no_secrets_in_logs(name: str) -> None:
    logs = podman("logs", name)
    text = logs.stdout + logs.stderr
    for secret in (TOKEN, PASSWORD, "p%40ss"):
        if secret in text:
            raise SmokeError(f"the log shows a secret ({secret[:3]}...)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default="localhost/kneecoach:smoke")
    parser.add_argument("--dockerfile", default=str(ROOT / "deploy" / "Dockerfile"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "KNEECOACH_SMOKE_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="an admin connection; a database and a role are created there and dropped",
    )
    parser.add_argument("--state", default="/var/tmp/kneecoach-smoke", help="logs go here")
    args = parser.parse_args()
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    name = f"kneecoach-smoke-{secrets.token_hex(4)}"
    port = free_port()
    try:
        build(args.image, args.dockerfile, state)
        size = check_config(args.image)
        check_code(args.image)
        with smoke_database(args.postgres) as database, emulator() as bot_api_url:
            # The role and database of this run; the password goes in its own variable.
            url = make_url(args.postgres).set(username=database, password=None, database=database)
            env = {
                "KNEECOACH_DATABASE_URL": url.render_as_string(),
                "KNEECOACH_DATABASE_PASSWORD": PASSWORD,
                "KNEECOACH_TOKEN": TOKEN,
                "KNEECOACH_BOT_API_URL": bot_api_url,
                "KNEECOACH_HTTP_HOST": "127.0.0.1",
                # Not the image's 8080: the HEALTHCHECK must follow the setting.
                "KNEECOACH_HTTP_PORT": str(port),
                "KNEECOACH_POLL_TIMEOUT": "2",
                # One user sends many messages here; Telegram's per-chat pace is tested elsewhere.
                "KNEECOACH_CHAT_BURST": "50",
            }
            migrate(args.image, env, args.postgres, database)
            try:
                start_bot(args.image, name, env, port)
                endpoints(port)
                chat = Emulator(bot_api_url)
                start_answered(chat)
                chart_drawn(chat)
                hardened(name)
                took = stop(name)
                no_secrets_in_logs(name)
            except Exception:
                logs = podman("logs", name, check=False)
                (state / "bot.log").write_text(logs.stdout + logs.stderr)
                print(f"     the bot's log: {state / 'bot.log'}")
                raise
            finally:
                podman("rm", "--force", "--ignore", name, check=False)
    except SmokeError as error:
        print(f"\ndeploy/smoke FAILED: {error}", file=sys.stderr)
        return 1
    print(
        f"\nimage {args.image}: {size / 1e6:.0f} MB; stopped in {took:.1f} s after SIGTERM; "
        f"checks took {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
