"""What every handler may use, built once by the composition root (bot.app) and reached
through PTB's typed application data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from content.catalogue import Catalogue
from content.understanding.matcher import ExerciseMatcher
from media.files import AnimationFiles
from media.process import DrawingProcess
from scheduler.clock import Clock
from usecases.people import Database

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# (db, update_id, chat_id) -> once the update may be handled; see Services.before_turn.
TurnGate = Callable[["AsyncSession", int, int], Awaitable[None]]


class Observer(Protocol):
    """Logs and metrics, which live in the composition root: handlers report through this."""

    def context(self, **fields: object) -> AbstractContextManager[None]:
        """Fields added to every log line written inside the block."""
        ...

    def user_ref(self, user_id: int | None) -> str:
        """How a person appears in logs (an id, or a keyed hash)."""
        ...

    def handled(self, handler: str, seconds: float) -> None:
        """One update handled by handler, replies included, in seconds."""
        ...


@dataclass(frozen=True)
class Services:
    """What the handlers share, built once at start-up by bot.app."""

    clock: Clock
    database: Database
    catalogue: Catalogue  # English, the source every translation is laid over
    matcher: ExerciseMatcher
    drawing: DrawingProcess  # charts, animations and reports, in a process of their own
    observer: Observer
    animations: AnimationFiles
    # The catalogue (and its name matcher) in each language the bot speaks, all loaded and
    # validated at start-up; a language missing here speaks English.
    catalogues: Mapping[str, Catalogue] = field(default_factory=dict)
    matchers: Mapping[str, ExerciseMatcher] = field(default_factory=dict)
    # Called first in every turn's transaction with (db, update_id, chat_id): bot.intake waits
    # there while another replica holds an earlier update of the chat, and learns whether the
    # turn recorded its update as handled. None: no intake (tests that call handlers directly).
    before_turn: TurnGate | None = None
    # Called after a turn's replies when its transaction queued a care notice due now (a red
    # flag for the clinician, a clearance for the patient): the engine sends it at once
    # rather than at its next tick. None: the tick sends it.
    wake_notices: Callable[[], None] | None = None

    def catalogue_in(self, language: str) -> Catalogue:
        """The exercises, safety texts and barrier tips in language."""
        return self.catalogues.get(language, self.catalogue)

    def matcher_in(self, language: str) -> ExerciseMatcher:
        """Exercise names as typed in language (the English names are matched too)."""
        return self.matchers.get(language, self.matcher)


class BotData:
    """PTB's application data, typed (PTB makes it with no arguments; bot.app fills it)."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The shared services; RuntimeError if the application was built without them."""
        if self._services is None:
            raise RuntimeError("the application was built without services")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services
