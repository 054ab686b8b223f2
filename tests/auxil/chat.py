"""Drives the running bot through the emulator the way a person in Telegram would."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.emulator import BotApiEmulator, Event
from sandbox.local import HandledUpdates

# One voice (issue 21): no answer both cheers a person on and sends them to a clinician.
CHEERING = re.compile(r"carry on|great work|keep going|well done|keep it up", re.IGNORECASE)
CLINICIAN = re.compile(r"\bdoctor|physiotherapist|clinician", re.IGNORECASE)


def assert_one_voice(events: list[Event]) -> None:
    """The messages answering one action (English) never pair cheering with clinician advice."""
    text = "\n".join(event.text for event in events)
    cheering, clinician = CHEERING.search(text), CLINICIAN.search(text)
    assert not (cheering and clinician), (
        f"{cheering.group() if cheering else ''!r} next to "
        f"{clinician.group() if clinician else ''!r} in: {text}"
    )


@dataclass
class Replies:
    """What the bot did in answer to one action."""

    events: list[Event]
    toast: str | None

    @property
    def messages(self) -> list[Event]:
        kinds = ("sendMessage", "sendDocument", "sendAnimation")
        return [event for event in self.events if event.method in kinds]

    @property
    def text(self) -> str:
        """All new and edited message texts, joined; what the user reads."""
        return "\n".join(event.text for event in self.events)

    @property
    def last(self) -> Event:
        return self.messages[-1]

    def with_buttons(self) -> Event:
        return [event for event in self.events if event.buttons][-1]


class Chat:
    def __init__(
        self,
        emulator: BotApiEmulator,
        handled: HandledUpdates,
        user_id: int,
        first_name: str = "Alex",
    ) -> None:
        self.emulator = emulator
        self.handled = handled
        self.user_id = user_id
        self.first_name = first_name
        self.last_buttons: Event | None = None

    async def send(self, text: str, reply_to: Event | None = None) -> Replies:
        """Type text; with reply_to, as Telegram's reply to that message of the chat."""
        before = len(self.emulator.events)
        answered = reply_to.message_id if reply_to is not None else None
        update_id = self.emulator.send_message(self.user_id, text, self.first_name, answered)
        return await self._collect(before, update_id)

    async def send_photo(self, caption: str = "", reply_to: Event | None = None) -> Replies:
        """Send a photo (its file_id is the emulator's `userphoto-N`), with a caption and as
        a reply if given."""
        before = len(self.emulator.events)
        answered = reply_to.message_id if reply_to is not None else None
        update_id, _file = self.emulator.send_photo(self.user_id, caption, answered)
        return await self._collect(before, update_id)

    async def send_location(self, latitude: float, longitude: float) -> Replies:
        before = len(self.emulator.events)
        return await self._collect(
            before, self.emulator.send_location(self.user_id, latitude, longitude)
        )

    async def send_sticker(self) -> Replies:
        before = len(self.emulator.events)
        return await self._collect(before, self.emulator.send_sticker(self.user_id))

    async def press(self, label: str, source: Event | None = None) -> Replies:
        """Tap the button whose text contains label, on source or the last keyboard seen."""
        message = source or self.last_buttons
        assert message is not None, "no keyboard on screen"
        return await self.press_data(message.button_data(label), message.message_id or 0)

    async def tap(self, prefix: str, source: Event | None = None) -> Replies:
        """Tap the button whose callback data starts with prefix, on source or the last
        keyboard seen: the same tap in every language."""
        message = source or self.last_buttons
        assert message is not None, "no keyboard on screen"
        return await self.press_data(button_with(message, prefix), message.message_id or 0)

    async def press_data(self, data: str, message_id: int = 1) -> Replies:
        before = len(self.emulator.events)
        query_id = self.emulator.press(self.user_id, message_id, data)
        update_id = self.emulator.last_update_id
        return await self._collect(before, update_id, query_id)

    async def _collect(self, before: int, update_id: int, query_id: str | None = None) -> Replies:
        await self.handled.wait(update_id)
        events = self.emulator.events[before:]
        toast = next(
            (
                event.text
                for event in events
                if event.method == "answerCallbackQuery"
                and event.params.get("callback_query_id") == query_id
            ),
            None,
        )
        shown = [event for event in events if event.chat_id == self.user_id]
        assert_one_voice(shown)
        with_buttons = [event for event in shown if event.buttons]
        if with_buttons:
            self.last_buttons = with_buttons[-1]
        return Replies(shown, toast)

    async def onboard(
        self, place: str = "Berlin", time: str = "18:00", morning: str = "08:00"
    ) -> None:
        """Run /start to the end with the default training days."""
        await self.send("/start")
        await self.press("I understand")
        await self.press("None of these")
        zone = await self.send(place)
        assert "Got it" in zone.text, zone.events
        await self.press("Save days")
        await self.press(time)
        if morning in str(self.last_buttons.buttons if self.last_buttons else ""):
            done = await self.press(morning)
        else:
            done = await self.send(morning)
        assert "all set" in done.text.lower(), done.events


def button_with(message: Event, prefix: str) -> str:
    """callback_data of the first button whose data starts with prefix (whatever the label
    says in the chat's language)."""
    for row in message.buttons:
        for _text, data in row:
            if data.startswith(prefix):
                return data
    raise LookupError(f"no button {prefix!r} in {message.buttons}")
