"""The bot token never reaches a log line, even inside tracebacks and error text."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal

from bot.logs import RedactingFormatter
from sandbox.emulator import BotApiEmulator, Fault
from tests.auxil.processes import start_kneecoach

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_token_is_masked_in_messages_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(message)s", [TOKEN]))
    logger = logging.getLogger("redaction-test")
    logger.addHandler(handler)
    try:
        logger.error("POST https://api.telegram.org/bot%s/sendMessage failed", TOKEN)
        try:
            raise RuntimeError(f"connect to https://api.telegram.org/bot{TOKEN}/getMe refused")
        except RuntimeError:
            logger.exception("startup failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert "bot[token]/sendMessage failed" in output
    assert "bot[token]/getMe refused" in output


async def test_token_never_logged_by_a_running_bot_even_when_errors_echo_the_url(tmp_path):
    """A real `kneecoach run` whose Bot API answers with errors that quote the request URL:
    the JSON log has the errors, with context, and neither the token nor the user id."""
    token = "987654321:log-test-token-abcdefghij"
    user_id = 424242
    emulator = BotApiEmulator(token)
    await emulator.start()
    echo = f"upstream failed for POST {emulator.base_url}{token}/sendMessage"
    emulator.faults = [Fault(status=500, method="sendMessage", description=echo)]
    log_path = tmp_path / "bot.log"
    bot = start_kneecoach(
        log_path,
        token=token,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        bot_api_url=emulator.base_url,
        log_format="json",
        log_hash_user_ids="true",
    )
    try:
        emulator.send_message(user_id, "/help")
        # The reply and the apology both fail (PTB retries nothing on 500).
        await emulator.wait_for(
            lambda: sum(method == "sendMessage" for _at, method, _ in emulator.requests) >= 2,
            timeout=30,
        )
        await asyncio.sleep(0.5)
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.to_thread(bot.wait, 30)
        await emulator.stop()
    text = log_path.read_text()
    assert token not in text and "[token]" in text
    assert str(user_id) not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    failure = next(line for line in lines if line["message"].startswith("handling the update"))
    assert failure["level"] == "ERROR" and failure["update"] == 1
    assert failure["user"].startswith("u") and len(failure["user"]) == 13
    assert "bot[token]/sendMessage" in failure["message"] + failure.get("exception", "")
