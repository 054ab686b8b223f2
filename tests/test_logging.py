"""The bot token never reaches a log line, even inside tracebacks and error text."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactingFormatter

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
