"""A local Telegram Bot API server for the sandbox and the tests.

It speaks the part of the Bot API this bot uses over real HTTP, keeps every chat's messages,
lets a caller play the user (type a message, press a button, share a location) and can answer
with the faults Telegram produces: 429 with retry_after, 5xx, 403 blocked, slow answers. After
setWebhook it posts updates to the webhook, with the secret header, as Telegram does. It
enforces Telegram's own limits (text length, callback_data bytes, unknown chats) so a bot that
breaks them fails here first.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.web_request import FileField

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "scope",
    }
)
_NO_FAULTS = frozenset({"getMe", "getUpdates", "deleteWebhook", "setWebhook", "setMyCommands"})
WEBHOOK_RETRY_SECONDS = 0.2  # Telegram waits longer; tests should not
_CONTROL = "/_emulator"

Buttons = list[list[tuple[str, str]]]


class ApiError(Exception):
    """A Bot API error answer: the HTTP status, Telegram's description and any retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass
class Fault:
    """Answer matching requests with an error (or just slowly, with status 200): every
    `every`-th match once `after` matches have passed, at most `times` times."""

    status: int
    method: str | None = None
    chat_id: int | None = None
    every: int = 1
    after: int = 0
    times: int | None = None
    retry_after: int = 1
    delay: float = 0.0
    description: str = ""
    seen: int = 0

    def applies(self, method: str, chat_id: int | None) -> bool:
        """Whether this request gets the fault; counts the match. getUpdates and the like
        only get faults that name their method."""
        if self.method is not None and self.method != method:
            return False
        if self.method is None and method in _NO_FAULTS:
            return False
        if self.chat_id is not None and self.chat_id != chat_id:
            return False
        if self.times == 0:
            return False
        self.seen += 1
        if self.seen <= self.after or (self.seen - self.after) % self.every:
            return False
        if self.times is not None:
            self.times -= 1
        return True


@dataclass
class Event:
    """Something the bot did in a chat: a new message, an edit, or an answered button."""

    method: str
    chat_id: int | None
    message_id: int | None
    text: str
    buttons: Buttons
    at: float
    document: bytes | None = None
    filename: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    file_id: str | None = None  # of a file sent
    uploaded: bool = False  # the file came with the request (not by an earlier file_id)

    def button_data(self, label: str) -> str:
        """callback_data of the button whose text contains label (case-insensitive)."""
        for row in self.buttons:
            for text, data in row:
                if label.lower() in text.lower():
                    return data
        raise LookupError(f"no button {label!r} in {self.buttons}")


class BotApiEmulator:
    """A fake Bot API server: plays the user, records what the bot sends, injects faults."""

    def __init__(self, token: str, bot_name: str = "Knee Coach") -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": "kneecoach_sandbox_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.events: list[Event] = []
        # The command menu per language_code ("" for the default), as setMyCommands left it.
        self.commands: dict[str, list[dict[str, str]]] = {}
        # The language each user's Telegram app is set to (sent as from.language_code).
        self.language_codes: dict[int, str] = {}
        self.requests: list[tuple[float, str, int | None]] = []
        # Requests received and not yet answered, by method: what a crash leaves in flight.
        self.open_requests: Counter[str] = Counter()
        self.faults: list[Fault] = []
        # Every file uploaded, as (method, the file_id it was given); and the files by file_id.
        self.uploads: list[tuple[str, str]] = []
        self._files: dict[str, _Upload] = {}
        self.accept_unknown_chats = False
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._message_ids = itertools.count(1)
        self._photo_ids = itertools.count(1)  # of the photos users send
        self._update_ids = itertools.count(1)
        self.last_update_id = 0
        self._polls_released = False
        self._callback_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.listeners: list[Callable[[Event], None]] = []
        # setWebhook: updates are POSTed to url with the secret header instead of getUpdates.
        self.webhook: dict[str, str] | None = None
        self.webhook_answers: list[tuple[int, int]] = []  # (update_id, HTTP status) per try
        self._delivery: asyncio.Task[None] | None = None

    # -- server ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0: any free port); returns the Bot API base URL for the bot."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle_api)
        app.router.add_get("/bot{token}/{method}", self._handle_api)
        app.router.add_post(_CONTROL + "/message", self._control_message)
        app.router.add_post(_CONTROL + "/press", self._control_press)
        app.router.add_get(_CONTROL + "/events", self._control_events)
        app.router.add_post(_CONTROL + "/faults", self._control_faults)
        app.router.add_get(_CONTROL + "/stats", self._control_stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    def release_polls(self) -> None:
        """Answer pending and future long polls at once, so a bot can shut down quickly."""
        self._polls_released = True
        self._notify()

    async def stop(self) -> None:
        """Stop posting to a webhook and close the server."""
        await self._stop_delivery()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """The value for KNEECOACH_BOT_API_URL (PTB's base_url form)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- the user's side ------------------------------------------------------------------

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        chat = self._chats.setdefault(
            user_id, {"id": user_id, "type": "private", "first_name": first_name}
        )
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": chat["first_name"],
            "language_code": self.language_codes.get(user_id, "en"),
        }

    def _push_update(self, payload: dict[str, Any]) -> int:
        update_id = self.last_update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **payload})
        self._notify()
        return update_id

    def push_update(self, payload: dict[str, Any]) -> int:
        """Queue any update body (a forged or future-shaped one, say); returns its update_id."""
        return self._push_update(payload)

    @property
    def unconfirmed(self) -> int:
        """Updates the bot has not confirmed yet (getUpdates offset or webhook 2xx)."""
        return len(self._updates)

    def continue_after(self, update_id: int) -> None:
        """Number new updates after update_id, as Telegram does for a bot that has seen it
        (the sandbox restarted on a kept chat: its inbox remembers the earlier ids)."""
        self._update_ids = itertools.count(max(update_id, self.last_update_id) + 1)

    def send_message(
        self, user_id: int, text: str, first_name: str = "Alex", reply_to: int | None = None
    ) -> int:
        """The user types text, as a reply to message `reply_to` of their chat if given;
        returns the update_id."""
        message = self._user_message(user_id, first_name, reply_to)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._push_update({"message": message})

    def send_photo(
        self, user_id: int, caption: str = "", reply_to: int | None = None
    ) -> tuple[int, str]:
        """The user sends a photo, with a caption and as a reply if given; returns the
        update_id and the photo's file_id, by which the bot may send it on."""
        message = self._user_message(user_id, "Alex", reply_to)
        file_id = f"userphoto-{next(self._photo_ids)}"
        self._files[file_id] = _Upload(f"{file_id}.jpg", b"\xff\xd8 a photo")
        meta = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": 10}
        message["photo"] = [{**meta, "width": 1280, "height": 960}]
        if caption:
            message["caption"] = caption
        return self._push_update({"message": message}), file_id

    def send_location(self, user_id: int, latitude: float, longitude: float) -> int:
        """The user shares a location pin; returns the update_id."""
        message = self._user_message(user_id, "Alex")
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return self._push_update({"message": message})

    def send_sticker(self, user_id: int) -> int:
        """The user sends a sticker (no text for the bot to read); returns the update_id."""
        message = self._user_message(user_id, "Alex")
        message["sticker"] = {
            "file_id": "sticker",
            "file_unique_id": "s",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return self._push_update({"message": message})

    def press(self, user_id: int, message_id: int, data: str) -> str:
        """The user taps an inline button (any data: a forged client can send anything)."""
        message = self._messages.get((user_id, message_id))
        if message is None:
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chats.get(user_id, {"id": user_id, "type": "private"}),
                "text": "(old message)",
            }
        query_id = str(next(self._callback_ids))
        self._push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id, "Alex"),
                    "chat_instance": f"ci{user_id}",
                    "data": data,
                    "message": message,
                }
            }
        )
        return query_id

    def _user_message(
        self, user_id: int, first_name: str, reply_to: int | None = None
    ) -> dict[str, Any]:
        sender = self._user(user_id, first_name)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chats[user_id],
            "from": sender,
        }
        if reply_to is not None:  # Telegram sends the message replied to along, whole
            message["reply_to_message"] = self._messages.get(
                (user_id, reply_to),
                {"message_id": reply_to, "date": int(time.time()), "chat": self._chats[user_id]},
            )
        return message

    # -- observation ----------------------------------------------------------------------

    def chat_events(self, chat_id: int, since: int = 0) -> list[Event]:
        """What the bot did in one chat, from event index `since` on."""
        return [event for event in self.events[since:] if event.chat_id == chat_id]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = 5.0) -> None:
        """Wait until predicate() holds; it is re-checked after every change."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    def _notify(self) -> None:
        # Wake every waiter on the current event, then start a fresh one for the next change.
        self._changed.set()
        self._changed = asyncio.Event()

    def _record(self, event: Event) -> None:
        self.events.append(event)
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:  # an observer's failure must not turn into a Bot API error
                log.exception("emulator listener failed")
        self._notify()

    # -- the Bot API ----------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        try:
            params = await _read_params(request)
        except ApiError as error:
            return _error(error.status, error.description)
        chat_id = _int_or_none(params.get("chat_id"))
        self.requests.append((time.monotonic(), method, chat_id))
        self.open_requests[method] += 1
        self._notify()
        try:
            return await self._answer(method, chat_id, params)
        finally:
            self.open_requests[method] -= 1

    async def _answer(
        self, method: str, chat_id: int | None, params: dict[str, Any]
    ) -> web.Response:
        for fault in self.faults:
            if fault.applies(method, chat_id):
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.status != 200:
                    return _error(
                        fault.status,
                        fault.description or _DEFAULT_TEXT[fault.status],
                        fault.retry_after if fault.status == 429 else None,
                    )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = (
                await handler(params) if asyncio.iscoroutinefunction(handler) else handler(params)
            )
        except ApiError as error:
            return _error(error.status, error.description, error.retry_after)
        return web.json_response({"ok": True, "result": result})

    def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deleteWebhook(params)
        if not re.match(r"^https?://\S+$", url):
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(
                400, "Bad Request: bad webhook: secret token contains unallowed characters"
            )
        await self._stop_delivery()
        self.webhook = {"url": url, "secret_token": secret}
        self._delivery = asyncio.create_task(self._deliver_updates())
        self._notify()  # wait_for re-checks after every change, this one too
        return True

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        await self._stop_delivery()
        self.webhook = None
        self._notify()
        return True

    def _api_getWebhookInfo(self, _params: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _stop_delivery(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None

    async def _deliver_updates(self) -> None:
        """Like Telegram: POST each update in turn, and try again later until it gets a 2xx."""
        assert self.webhook is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with aiohttp.ClientSession() as http:
            while True:
                await self.wait_for(lambda: bool(self._updates), timeout=None)
                update = self._updates[0]
                try:
                    async with http.post(
                        self.webhook["url"], data=json.dumps(update), headers=headers
                    ) as response:
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                self.webhook_answers.append((update["update_id"], status))
                self._notify()
                if 200 <= status < 300:
                    self._updates.pop(0)
                else:
                    await asyncio.sleep(WEBHOOK_RETRY_SECONDS)

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        """Checked as Telegram does: up to 100 commands of 1–32 lowercase letters, digits and
        underscores with a description of 1–256 characters, and an optional two-letter
        ISO 639-1 language_code (the menu for people whose Telegram speaks that language)."""
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: LANGUAGE_CODE_INVALID")
        self.commands[language] = [
            {"command": item["command"], "description": item["description"]} for item in commands
        ]
        self._record(Event("setMyCommands", None, None, "", [], time.monotonic(), params=params))
        return True

    def _api_sendChatAction(self, _params: dict[str, Any]) -> bool:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_or_none(params.get("offset")) or 0
        limit = _int_or_none(params.get("limit")) or 100
        timeout = float(params.get("timeout") or 0)
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        if not self._updates and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self.wait_for(
                    lambda: bool(self._updates) or self._polls_released, timeout=timeout
                )
        return self._updates[: min(max(limit, 1), 100)]

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = _text(params.get("text"), MAX_TEXT, "message text")
        message = self._new_message(chat, {"text": text}, params)
        self._record(self._event("sendMessage", message, text, params))
        return message

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendPhoto", "photo", params)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendDocument", "document", params)

    def _api_sendAnimation(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendAnimation", "animation", params)

    def _send_file(self, method: str, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """A new upload (multipart), or a file_id this bot got back from an earlier upload."""
        chat = self._chat(params)
        sent = params.get(kind)
        if isinstance(sent, _Upload):
            upload = sent
            file_id = f"{kind}-{len(self.uploads) + 1}-{self.token.split(':', 1)[0]}"
            self._files[file_id] = upload
            self.uploads.append((method, file_id))
        elif isinstance(sent, str) and sent in self._files:
            file_id, upload = sent, self._files[sent]
        elif isinstance(sent, str) and sent:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        caption = params.get("caption") or ""
        if len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        meta = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_size": len(upload.content),
        }
        if kind == "photo":
            payload: dict[str, Any] = {"photo": [{**meta, "width": 800, "height": 600}]}
        elif kind == "animation":
            # Telegram answers a GIF with both an animation and a document.
            animation = {**meta, "width": 320, "height": 320, "duration": 3}
            animation |= {"file_name": upload.filename, "mime_type": "video/mp4"}
            payload = {"animation": animation, "document": {**meta, "file_name": upload.filename}}
        else:
            payload = {"document": {**meta, "file_name": upload.filename}}
        message = self._new_message(chat, {**payload, "caption": caption}, params)
        event = self._event(method, message, caption, params)
        event.document, event.filename = upload.content, upload.filename
        event.file_id, event.uploaded = file_id, isinstance(sent, _Upload)
        self._record(event)
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        text = _text(params.get("text"), MAX_TEXT, "message text")
        markup = _markup(params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        _set_markup(message, markup)
        self._record(self._event("editMessageText", message, text, params))
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        markup = _markup(params)
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        _set_markup(message, markup)
        self._record(
            self._event("editMessageReplyMarkup", message, message.get("text", ""), params)
        )
        return message

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query id is empty")
        text = params.get("text") or ""
        if len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._record(
            Event("answerCallbackQuery", None, None, text, [], time.monotonic(), params=params)
        )
        return True

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self._stored(params)
        del self._messages[(int(params["chat_id"]), int(params["message_id"]))]
        return True

    # -- helpers --------------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _int_or_none(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id)
        if chat is None:
            if not self.accept_unknown_chats:
                raise ApiError(400, "Bad Request: chat not found")
            chat = self._chats.setdefault(
                chat_id, {"id": chat_id, "type": "private", "first_name": "User"}
            )
        return chat

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (_int_or_none(params.get("chat_id")), _int_or_none(params.get("message_id")))
        message = self._messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _new_message(
        self, chat: dict[str, Any], body: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            **body,
        }
        _set_markup(message, _markup(params))
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    @staticmethod
    def _event(method: str, message: dict[str, Any], text: str, params: dict[str, Any]) -> Event:
        return Event(
            method,
            message["chat"]["id"],
            message["message_id"],
            text,
            _buttons(message.get("reply_markup")),
            time.monotonic(),
            params=params,
        )

    # -- control API (for callers in another process) -------------------------------------

    async def _control_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        reply_to = _int_or_none(body.get("reply_to"))
        update_id = self.send_message(int(body["user_id"]), str(body["text"]), reply_to=reply_to)
        return web.json_response({"update_id": update_id})

    async def _control_press(self, request: web.Request) -> web.Response:
        body = await request.json()
        query_id = self.press(int(body["user_id"]), int(body["message_id"]), str(body["data"]))
        return web.json_response({"callback_query_id": query_id})

    async def _control_events(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response(
            [
                {
                    "method": e.method,
                    "chat_id": e.chat_id,
                    "message_id": e.message_id,
                    "text": e.text,
                    "buttons": e.buttons,
                }
                for e in self.events[since:]
            ]
        )

    async def _control_stats(self, _request: web.Request) -> web.Response:
        sent = [event.chat_id for event in self.events if event.method == "sendMessage"]
        return web.json_response(
            {"sendMessage": len(sent), "chats": len(set(sent)), "requests": len(self.requests)}
        )

    async def _control_faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.faults = [Fault(**item) for item in body]
        return web.json_response({"faults": len(self.faults)})


@dataclass(frozen=True)
class _Upload:
    filename: str
    content: bytes


_DEFAULT_TEXT = {
    200: "",
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
        body["description"] = f"Too Many Requests: retry after {retry_after}"
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as error:
            raise ApiError(400, "Bad Request: can't parse JSON") from error
        if not isinstance(body, dict):
            return {}
        for name in _JSON_FIELDS & body.keys():  # Telegram also takes these as JSON strings
            if isinstance(body[name], str):
                body[name] = _json_field(name, body[name])
        return body
    params: dict[str, Any] = {}
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, FileField):
            params[name] = _Upload(value.filename or name, value.file.read())
        elif name in _JSON_FIELDS:
            params[name] = _json_field(name, str(value))
        else:
            params[name] = str(value)
    for name, value in request.query.items():
        params.setdefault(name, value)
    return params


def _json_field(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from error


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _text(value: object, limit: int, what: str) -> str:
    text = str(value or "")
    if not text.strip():
        raise ApiError(400, f"Bad Request: {what} is empty")
    if len(text) > limit:
        raise ApiError(400, f"Bad Request: {what} is too long")
    return text


def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not str(button.get("text", "")).strip():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
    return markup


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    if markup and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _buttons(markup: dict[str, Any] | None) -> Buttons:
    if not markup:
        return []
    return [
        [(button.get("text", ""), button.get("callback_data", "")) for button in row]
        for row in markup.get("inline_keyboard", [])
    ]


async def _serve_forever(token: str, port: int, accept_unknown_chats: bool) -> None:
    emulator = BotApiEmulator(token)
    emulator.accept_unknown_chats = accept_unknown_chats
    await emulator.start(port=port)
    print(emulator.base_url, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """`python -m sandbox.emulator`: a standalone emulator (for benchmarks in another process)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--token", default="123456789:emulator-token")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--accept-unknown-chats", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args.token, args.port, args.accept_unknown_chats))


if __name__ == "__main__":
    main()
