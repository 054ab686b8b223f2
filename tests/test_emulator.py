"""The emulator itself: Telegram's answers, limits and injected faults, over real HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from sandbox.emulator import BotApiEmulator, Fault

TOKEN = "111:emulator-test-token"


@pytest.fixture
async def emulator():
    server = BotApiEmulator(TOKEN)
    await server.start()
    yield server
    await server.stop()


async def call(emulator, method, **params):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{emulator.base_url}{TOKEN}/{method}", data=params)
    return response.status_code, response.json()


async def test_get_me_and_wrong_token(emulator):
    status, body = await call(emulator, "getMe")
    assert status == 200 and body["result"]["is_bot"] is True
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{emulator.base_url}999:wrong/getMe")
    assert response.status_code == 401


async def test_send_message_to_known_and_unknown_chat(emulator):
    emulator.send_message(42, "hi")
    status, body = await call(emulator, "sendMessage", chat_id=42, text="hello")
    assert status == 200 and body["result"]["text"] == "hello"
    assert emulator.chat_events(42)[0].text == "hello"
    status, body = await call(emulator, "sendMessage", chat_id=43, text="hello")
    assert status == 400 and body["description"] == "Bad Request: chat not found"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": ""}, "message text is empty"),
        ({"text": "x" * 4097}, "message text is too long"),
        (
            {
                "text": "ok",
                "reply_markup": json.dumps(
                    {"inline_keyboard": [[{"text": "b", "callback_data": "é" * 33}]]}
                ),
            },
            "BUTTON_DATA_INVALID",
        ),
        ({"text": "ok", "reply_markup": "{not json"}, "can't parse reply_markup"),
    ],
)
async def test_telegram_limits_are_enforced(emulator, params, description):
    emulator.send_message(42, "hi")
    status, body = await call(emulator, "sendMessage", chat_id=42, **params)
    assert status == 400 and description in body["description"]


async def test_get_updates_confirms_offsets(emulator):
    first = emulator.send_message(42, "/today")
    status, body = await call(emulator, "getUpdates", offset=0, timeout=0)
    [update] = body["result"]
    assert status == 200 and update["update_id"] == first
    assert update["message"]["entities"][0]["type"] == "bot_command"
    _, body = await call(emulator, "getUpdates", offset=first + 1, timeout=0)
    assert body["result"] == []


async def test_get_updates_long_poll_returns_when_a_message_arrives(emulator):
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, emulator.send_message, 42, "hello")
    started = loop.time()
    _, body = await call(emulator, "getUpdates", offset=0, timeout=20)
    assert body["result"][0]["message"]["text"] == "hello"
    assert loop.time() - started < 10


async def test_429_on_every_second_request(emulator):
    emulator.send_message(1, "hi")
    emulator.faults = [Fault(status=429, every=2, retry_after=3)]
    answers = [await call(emulator, "sendMessage", chat_id=1, text="x") for _ in range(4)]
    assert [status for status, _ in answers] == [200, 429, 200, 429]
    assert answers[1][1]["parameters"]["retry_after"] == 3


async def test_403_for_one_chat_only(emulator):
    for chat in (1, 2):
        emulator.send_message(chat, "hi")
    emulator.faults = [Fault(status=403, chat_id=2)]
    status, body = await call(emulator, "sendMessage", chat_id=2, text="x")
    assert status == 403 and "blocked" in body["description"]
    status, _ = await call(emulator, "sendMessage", chat_id=1, text="x")
    assert status == 200


async def test_slow_answer(emulator):
    emulator.send_message(1, "hi")
    emulator.faults = [Fault(status=200, delay=0.3, times=1)]
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await call(emulator, "sendMessage", chat_id=1, text="x")
    assert status == 200 and loop.time() - started >= 0.3


async def test_5xx_for_a_limited_number_of_times(emulator):
    emulator.send_message(1, "hi")
    emulator.faults = [Fault(status=502, times=2)]
    statuses = [(await call(emulator, "sendMessage", chat_id=1, text="x"))[0] for _ in range(3)]
    assert statuses == [502, 502, 200]


async def test_edit_not_modified(emulator):
    emulator.send_message(1, "hi")
    _, body = await call(emulator, "sendMessage", chat_id=1, text="same")
    message_id = body["result"]["message_id"]
    status, body = await call(
        emulator, "editMessageText", chat_id=1, message_id=message_id, text="same"
    )
    assert status == 400 and "not modified" in body["description"]


async def test_document_upload_is_recorded(emulator):
    emulator.send_message(1, "hi")
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.base_url}{TOKEN}/sendDocument",
            data={"chat_id": "1", "caption": "your data"},
            files={"document": ("data.csv", b"a,b\n1,2\n")},
        )
    assert response.status_code == 200
    event = emulator.chat_events(1)[-1]
    assert (event.filename, event.document, event.text) == ("data.csv", b"a,b\n1,2\n", "your data")


async def test_control_api_injects_and_lists(emulator):
    async with httpx.AsyncClient() as client:
        injected = await client.post(
            f"http://127.0.0.1:{emulator.port}/_emulator/message",
            json={"user_id": 9, "text": "done"},
        )
        assert injected.status_code == 200
        await client.post(
            f"http://127.0.0.1:{emulator.port}/_emulator/faults",
            json=[{"status": 500, "times": 1}],
        )
    assert emulator.faults[0].status == 500
    _, body = await call(emulator, "getUpdates", offset=0, timeout=0)
    assert body["result"][0]["message"]["text"] == "done"


async def test_command_menus_per_language_code(emulator):
    menu = json.dumps([{"command": "today", "description": "сегодняшняя тренировка"}])
    status, _body = await call(emulator, "setMyCommands", commands=menu, language_code="ru")
    assert status == 200
    status, _body = await call(emulator, "setMyCommands", commands=menu)
    assert status == 200
    assert emulator.commands["ru"] == emulator.commands[""] == json.loads(menu)
    for params, description in (
        ({"commands": menu, "language_code": "rus"}, "LANGUAGE_CODE_INVALID"),
        ({"commands": json.dumps([{"command": "Today", "description": "x"}])}, "COMMAND_INVALID"),
        ({"commands": json.dumps([{"command": "t", "description": ""}])}, "DESCRIPTION_INVALID"),
    ):
        status, body = await call(emulator, "setMyCommands", **params)
        assert status == 400 and description in body["description"], body
    assert set(emulator.commands) == {"ru", ""}


async def test_users_language_code(emulator):
    emulator.language_codes[42] = "es-ES"
    emulator.send_message(42, "hola")
    emulator.send_message(43, "hi")
    status, body = await call(emulator, "getUpdates")
    assert status == 200
    codes = {
        update["message"]["from"]["id"]: update["message"]["from"]["language_code"]
        for update in body["result"]
    }
    assert codes == {42: "es-ES", 43: "en"}
