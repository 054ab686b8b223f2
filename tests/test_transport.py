"""The bot's HTTP client to the Bot API (bot.transport): what PTB sends arrives as sent, and
failures come back as PTB's own errors, with the token in none of them."""

from __future__ import annotations

import socket

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ExtBot

from bot.transport import AiohttpRequest
from sandbox.emulator import BotApiEmulator, Fault

TOKEN = "123456789:transport-test-token"
CHAT = 4242


@pytest.fixture
async def emulator():
    emulator = BotApiEmulator(TOKEN)
    emulator.accept_unknown_chats = True
    await emulator.start()
    yield emulator
    await emulator.stop()


def _bot(base_url: str, read_timeout: float = 5.0) -> ExtBot[None]:
    return ExtBot(TOKEN, base_url=base_url, request=AiohttpRequest(read_timeout=read_timeout))


async def test_text_keyboard_and_file_arrive_as_sent(emulator):
    bot = _bot(emulator.base_url)
    async with bot:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ключ ✓", callback_data="k:1")]])
        sent = await bot.send_message(CHAT, 'Привет, "knee" & 😀', reply_markup=keyboard)
        gif = b"GIF89a" + bytes(range(256)) * 8
        animation = await bot.send_animation(
            CHAT, InputFile(gif, filename="hip_bump.gif"), caption="Hip bump"
        )
    message, upload = emulator.chat_events(CHAT)
    assert message.text == 'Привет, "knee" & 😀' and sent.text == message.text
    assert message.buttons == [[("Ключ ✓", "k:1")]]
    assert upload.uploaded and upload.document == gif and upload.filename == "hip_bump.gif"
    assert upload.text == "Hip bump" and animation.animation is not None


async def test_an_error_answer_is_ptbs_error(emulator):
    emulator.faults.append(
        Fault(400, method="sendMessage", description="Bad Request: chat not found")
    )
    async with _bot(emulator.base_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(CHAT, "hello")


async def test_a_slow_answer_times_out(emulator):
    emulator.faults.append(Fault(200, method="sendMessage", delay=2.0))
    async with _bot(emulator.base_url, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "hello")


async def test_no_server_is_a_network_error_without_the_token(emulator):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
    assert TOKEN not in str(raised.value) and TOKEN.split(":")[1] not in str(raised.value)


async def test_a_request_before_initialize_or_after_shutdown_is_refused():
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"http://127.0.0.1:1/bot{TOKEN}/getMe")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"http://127.0.0.1:1/bot{TOKEN}/getMe")


async def test_an_http_proxy_from_the_environment_is_used(emulator, monkeypatch):
    """As with PTB's own client: HTTP(S)_PROXY carries the requests (here the emulator stands
    in for the proxy, and the Bot API's host does not resolve)."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{emulator.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with _bot("http://api.telegram.invalid/bot") as bot:
        await bot.send_message(CHAT, "through the proxy")
    assert [event.text for event in emulator.chat_events(CHAT)] == ["through the proxy"]


async def test_the_proxy_settings_are_read_once_per_host_not_per_request(emulator, monkeypatch):
    """aiohttp's own reading of the environment (trust_env) looked for ~/.netrc twice per
    request in a worker thread: a third of the client's CPU. The bot reads it once per host."""
    from aiohttp import helpers

    reads = 0
    real = helpers.netrc_from_env

    def counted() -> object:
        nonlocal reads
        reads += 1
        return real()

    monkeypatch.setattr(helpers, "netrc_from_env", counted)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{emulator.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with _bot("http://api.telegram.invalid/bot") as bot:
        for number in range(5):
            await bot.send_message(CHAT, f"message {number}")
    assert len(emulator.chat_events(CHAT)) == 5
    assert reads <= 1


async def test_no_proxy_lets_the_bot_api_host_be_reached_directly(emulator, monkeypatch):
    """NO_PROXY names the Bot API's host: the proxy (here nothing listens on it) is skipped."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with _bot(emulator.base_url) as bot:
        await bot.send_message(CHAT, "straight through")
    assert [event.text for event in emulator.chat_events(CHAT)] == ["straight through"]
