"""Composition root: builds the database, the catalogue and the PTB Application around them."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ExtBot
from telegram.ext import ContextTypes as PTBContextTypes

from bot.intake import Intake, IntakeConfig
from bot.logs import log_context, user_ref
from bot.metrics import Metrics
from bot.polling import Poller
from bot.settings import DEFAULT_BOT_API_URL
from bot.transport import AiohttpRequest, bot_api_clients
from bot.web import Address, HttpServer, Webhook
from content.catalogue import load_catalogue
from content.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, use_language
from content.poses import load_animations
from content.understanding import warm_up as warm_up_understanding
from content.understanding.matcher import ExerciseMatcher
from handlers import register
from handlers.common import KneeContext
from handlers.menu import commands
from handlers.pushes import PushTexts
from handlers.services import BotData, Services
from media.files import AnimationFiles, default_media_dir
from media.process import DrawingProcess
from scheduler import timezones
from scheduler.clock import Clock, SystemClock
from scheduler.engine import EngineConfig, PushContent, PushEngine
from scheduler.ratelimit import TelegramRateLimiter
from storage.db import Database

log = logging.getLogger(__name__)

KneeApplication = Application[Any, KneeContext, Any, Any, BotData, Any]
SORRY = N_("Sorry, something went wrong on my side. Please try that again in a moment.")


class Observer:
    """The handlers' window on logs and metrics (handlers.services.Observer)."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics

    def context(self, **fields: object) -> AbstractContextManager[None]:
        """Fields added to every log line written inside the block."""
        return log_context(**fields)

    def user_ref(self, user_id: int | None) -> str:
        """How a person appears in logs: their id, or a keyed hash when ids are hashed."""
        return user_ref(user_id)

    def handled(self, handler: str, seconds: float) -> None:
        """Observe one update's handling time under the handler's name; no-op without metrics."""
        if self.metrics is not None:
            self.metrics.handler_seconds.labels(handler).observe(seconds)


async def create_services(
    database_url: str, clock: Clock, media_dir: Path | None = None
) -> Services:
    """Load and validate content, open the database and bring its schema up to date.
    media_dir caches rendered files (default: a folder in the temp directory)."""
    # Every language's catalogue is validated now: a missing translation stops the start.
    catalogues = {language: load_catalogue(language=language) for language in LANGUAGES}
    catalogue = catalogues["en"]
    warm_up_understanding()  # the reply words of every language, likewise
    # Every exercise level must have its animation before the bot starts.
    animations = load_animations()
    await asyncio.to_thread(timezones.warm_up)  # place names indexed once, not on a reply
    database = Database.open(database_url)
    await database.upgrade_if_needed()
    drawing = DrawingProcess()
    return Services(
        clock=clock,
        database=database,
        catalogue=catalogue,
        matcher=ExerciseMatcher(catalogue),
        drawing=drawing,
        observer=Observer(),
        animations=AnimationFiles(animations, drawing, media_dir or default_media_dir()),
        catalogues=catalogues,
        matchers={
            language: ExerciseMatcher(found, catalogue) for language, found in catalogues.items()
        },
    )


@dataclass(frozen=True)
class KneeBot:
    """The assembled bot: PTB's application and what the composition root keeps beside it."""

    application: KneeApplication
    engine: PushEngine
    metrics: Metrics
    intake: Intake
    # PTB closes its HTTP clients only after a start that succeeded: closed here in any case.
    transports: tuple[AiohttpRequest, ...]

    @property
    def updates_client(self) -> AiohttpRequest:
        """The client PTB keeps for getUpdates (the second of bot_api_clients)."""
        return self.transports[1]

    @property
    def services(self) -> Services:
        """The services the handlers share, as stored in the application's bot_data."""
        return self.application.bot_data.services


@dataclass(frozen=True)
class SendingLimits:
    """Telegram's limits as this process applies them (raise overall for paid broadcasts)."""

    overall_per_second: int = 30
    chat_burst: int = 3
    chat_per_second: float = 1.0


@dataclass(frozen=True)
class Receiving:
    """How updates arrive (long polling, or a webhook when webhook_url is set), where the HTTP
    server for health and metrics listens (none when http_host is None; port 0 here is any
    free port, as tests use it), and how long a shutdown waits for the stored updates and the
    push batch in flight."""

    poll_timeout: int = 10
    webhook_url: str | None = None
    webhook_secret: str | None = None
    http_host: str | None = None
    http_port: int = 8080
    drain_seconds: float = 20.0


def build_application(
    token: str,
    bot_api_url: str,
    services: Services,
    engine_config: EngineConfig | None = None,
    limits: SendingLimits | None = None,
    intake_config: IntakeConfig | None = None,
) -> KneeBot:
    """Assemble the bot: PTB's application with the handlers, the shared rate limiter, the
    push engine, metrics and the update intake. Nothing is started yet."""
    limits = limits or SendingLimits()
    limiter = TelegramRateLimiter(
        limits.overall_per_second, limits.chat_burst, limits.chat_per_second
    )
    transports = bot_api_clients()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(bot_api_url)
        .context_types(PTBContextTypes(context=KneeContext, bot_data=BotData))
        # Updates come through bot.intake (stored, then handled per chat), fetched by
        # bot.polling or posted to bot.web: neither PTB's Updater nor its update processor.
        .updater(None)
        .request(transports[0])
        .get_updates_request(transports[1])
        .rate_limiter(limiter)
    )
    if bot_api_url.endswith("/bot") and bot_api_url != DEFAULT_BOT_API_URL:
        builder = builder.base_file_url(bot_api_url.removesuffix("/bot") + "/file/bot")
    application: KneeApplication = builder.build()
    metrics = Metrics()
    application.bot_data.services = replace(services, observer=Observer(metrics))
    register(application)
    application.add_error_handler(_report_error)
    engine = push_engine(services, application.bot, limiter, engine_config)
    metrics.watch_engine(engine, limiter)
    intake = Intake(
        application, services.database, metrics, SystemClock(), engine.worker, intake_config
    )
    intake.listeners.append(metrics.count_update)
    application.bot_data.services = replace(
        application.bot_data.services,
        before_turn=intake.before_turn,
        wake_notices=partial(_wake_notices, application, engine),
    )
    _schedule_ticks(application, engine)
    return KneeBot(application, engine, metrics, intake, transports)


def _wake_notices(application: KneeApplication, engine: PushEngine) -> None:
    """A turn queued a care notice due now: send it beside the turns, not at the next tick."""
    application.create_task(engine.send_notices_now(), name="care notices")


def push_engine(
    services: Services,
    bot: ExtBot[Any],
    limiter: TelegramRateLimiter,
    config: EngineConfig | None = None,
) -> PushEngine:
    """The push engine with the conversation layer's words injected."""
    content = PushContent(
        services.catalogue, PushTexts(services.catalogue, services.catalogues), services.catalogues
    )
    config = replace(config or EngineConfig(), user_ref=user_ref)
    return PushEngine(services.database, services.clock, content, bot, limiter, config)


def _schedule_ticks(application: KneeApplication, engine: PushEngine) -> None:
    """One repeating job drives every push; a late start still runs (generous misfire
    grace, coalesced), because the database, not APScheduler, knows what is due."""

    async def tick(_context: KneeContext) -> None:
        try:
            await engine.tick()
        except Exception:  # a failed tick must not stop the next one
            log.exception("push tick failed")

    assert application.job_queue is not None
    interval = engine.config.tick_seconds
    application.job_queue.run_repeating(
        tick,
        interval=interval,
        first=min(interval, 1.0),
        name="pushes",
        job_kwargs={"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1},
    )


async def _announce_commands(application: KneeApplication) -> None:
    """The command menu in English for everyone, and in each other language for people whose
    Telegram speaks it."""
    for language in LANGUAGES:
        with use_language(language):
            menu = [BotCommand(name, description) for name, description in commands()]
        code = None if language == DEFAULT_LANGUAGE else language
        await application.bot.set_my_commands(menu, language_code=code)


async def _report_error(update: object, context: KneeContext) -> None:
    """Log with context and tell the user; the process keeps serving everyone else."""
    if not isinstance(update, Update):
        log.error("error outside an update: %s", context.error, exc_info=context.error)
        return
    user = update.effective_user
    with log_context(update=update.update_id, user=user_ref(user.id if user else None)):
        log.error("handling the update failed: %s", context.error, exc_info=context.error)
        if isinstance(context.error, Forbidden) or update.effective_chat is None:
            return
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            with use_language(user.language_code if user else None):
                sorry = _(SORRY)
            await context.bot.send_message(update.effective_chat.id, sorry)
        except TelegramError as error:
            log.warning("could not tell the user about the error: %s", error)


async def serve(
    bot: KneeBot,
    stop: asyncio.Event,
    receiving: Receiving | None = None,
    started: asyncio.Event | None = None,
) -> None:
    """Take updates until stop is set, then shut down without losing any: stop taking
    updates (Telegram keeps the ones not stored), handle the stored ones within the drain
    time while the push batch in flight finishes (or goes back to the queue), hand back
    to the inbox whatever is left for the next start, and close. `started` is set once the
    bot is serving (an error before it is a start-up failure)."""
    receiving = receiving or Receiving()
    http = _http_server(bot, receiving)
    try:
        async with bot.application:
            polling = await _start(bot, receiving, stop, http)
            if started is not None:
                started.set()
            await stop.wait()
            log.info("stopping: no new updates; finishing the work in flight")
            await _finish(bot, receiving, polling, http)
    finally:
        if http is not None:
            http.close()
        for transport in bot.transports:
            await transport.shutdown()
    bot.services.drawing.close()


def _http_server(bot: KneeBot, receiving: Receiving) -> HttpServer | None:
    """The HTTP server for the probes, the metrics and the webhook, its port already taken: a
    port in use fails the start here, before Telegram is called. None without an http_host."""
    if receiving.http_host is None:
        return None
    webhook = None
    if receiving.webhook_url is not None:
        secret = receiving.webhook_secret or ""
        webhook = Webhook(urlsplit(receiving.webhook_url).path or "/", secret)
    http = HttpServer(
        bot.application,
        bot.services.database,
        bot.metrics,
        bot.intake,
        Address(receiving.http_host, receiving.http_port),
        webhook,
    )
    http.bind()
    return http


async def _start(
    bot: KneeBot, receiving: Receiving, stop: asyncio.Event, http: HttpServer | None
) -> asyncio.Task[None] | None:
    """Start handling, then taking updates: Telegram told of the webhook, or long polling
    begun until stop is set (its task returned)."""
    application = bot.application
    await _announce_commands(application)
    await application.start()
    await bot.intake.start()
    if http is not None:
        await http.start()
    if receiving.webhook_url is not None:
        await application.bot.set_webhook(
            receiving.webhook_url,
            secret_token=receiving.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        return None
    await application.bot.delete_webhook()
    poller = Poller(
        application.bot.base_url, bot.updates_client, bot.intake, receiving.poll_timeout
    )
    return asyncio.create_task(poller.run(stop), name="polling")


async def _finish(
    bot: KneeBot,
    receiving: Receiving,
    polling: asyncio.Task[None] | None,
    http: HttpServer | None,
) -> None:
    """Stop taking updates (the last long poll ends, or the webhook's server stops), finish
    the work in flight within the drain time, and stop; a server that only answered probes
    and metrics stops last."""
    if polling is not None:
        await polling
    elif http is not None:
        await http.stop()  # the webhook goes with it; Telegram keeps new updates
    await asyncio.gather(
        _drain_pushes(bot.engine, receiving.drain_seconds),
        bot.intake.drain(receiving.drain_seconds),
    )
    await bot.application.stop()
    if http is not None and polling is not None:
        await http.stop()


async def _drain_pushes(engine: PushEngine, seconds: float) -> None:
    try:
        await asyncio.wait_for(engine.drain(), seconds)
    except TimeoutError:
        log.warning(
            "pushes still in flight after %.0f s: they stay claimed and are "
            "recovered by the next process after the claim lease",
            seconds,
        )
