"""Care notices (content.alerts): clinicians told of a patient's sharing and alerted about
them, patients told of their clinician's action. The use cases queue them in the transaction
that made the change (storage.clinicians), and they are sent here, on the push engine's tick,
once due, through the same rate limiter as every push, in the recipient's language. At most
once: a notice is "sending" from its claim on, and one a crash leaves so is never sent again;
a 429 or a network error puts it back for the next tick. A relayed message's copy is
recorded with the notice, so that a reply to it finds its conversation.

Each clinician's weekly digest goes from here too, at their day and hour."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, time
from typing import Any

from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from content.i18n import use_language
from content.states import PushStatus
from scheduler.outgoing import Outgoing, PushRenderer, send_text
from scheduler.ratelimit import DEPARTED, TelegramRateLimiter
from scheduler.slots import next_weekly_slot
from storage import clinicians, messages
from storage.clinicians import DueNotice
from storage.db import Database
from storage.models import Clinician

log = logging.getLogger(__name__)

# Notices claimed at a time; they are few (one per consent, stop or alert).
BATCH = 50


async def send_notices(
    database: Database,
    bot: ExtBot[Any],
    limiter: TelegramRateLimiter,
    words: PushRenderer,
    now: datetime,
) -> Counter[PushStatus]:
    """Send every notice due; how many ended sent, failed or pending again."""
    counts: Counter[PushStatus] = Counter()
    while True:
        async with database.transaction() as db:
            batch = await clinicians.claim_notices(db, now, BATCH)
        if not batch:
            return counts
        for due in batch:
            status, copy = await _send(bot, limiter, words, due)
            async with database.transaction() as db:
                await clinicians.finish_notice(db, due.notice_id, status, now)
                if copy is not None and due.notice.message_id is not None:
                    await messages.record_relayed(db, due.notice.message_id, copy, now)
                if status is PushStatus.FAILED:
                    await clinicians.tell_sender_undelivered(db, due.notice_id, now)
            counts[status] += 1
        if counts[PushStatus.PENDING]:
            return counts  # Telegram asks to wait: the rest goes on the next tick


async def _send(
    bot: ExtBot[Any], limiter: TelegramRateLimiter, words: PushRenderer, due: DueNotice
) -> tuple[PushStatus, int | None]:
    """The notice's status after the request, and the sent message's id."""
    with use_language(due.language):
        outgoing = (
            words.care_notice(due.notice, due.clinician_name)
            if due.relayed is None
            else words.care_message(due.notice, due.clinician_name, due.relayed)
        )
    await limiter.reserve(due.chat_id)
    await limiter.depart()
    try:
        sent = await _deliver(bot, due, outgoing)
    except (RetryAfter, NetworkError) as error:
        log.warning("care notice %s: trying again next tick: %s", due.notice_id, error)
        return PushStatus.PENDING, None
    except (Forbidden, BadRequest) as error:  # the recipient blocked the bot, or no chat
        log.warning("care notice %s not delivered: %s", due.notice_id, error)
        return PushStatus.FAILED, None
    return PushStatus.SENT, sent.message_id


async def _deliver(bot: ExtBot[Any], due: DueNotice, outgoing: Outgoing) -> Message:
    """A photo relayed goes by the file id Telegram gave its sender, with the words as its
    caption; everything else is a text message."""
    if due.relayed is not None and due.relayed.photo is not None:
        return await bot.send_photo(
            due.chat_id,
            due.relayed.photo,
            caption=outgoing.text,
            reply_markup=outgoing.markup,
            rate_limit_args=DEPARTED,
        )
    return await send_text(bot, due.chat_id, outgoing.text, outgoing.markup, DEPARTED)


async def send_digests(
    database: Database,
    bot: ExtBot[Any],
    limiter: TelegramRateLimiter,
    words: PushRenderer,
    now: datetime,
) -> None:
    """Each clinician's weekly digest, once their day and hour have come (late after an
    outage, never twice: the time it went is stored before it is sent, so a failed send is
    not tried again; /patients shows the same list any time)."""
    async with database.transaction() as db:
        due = [
            clinician
            for clinician in await clinicians.clinicians_with_chat(db)
            if digest_due(clinician, now)
        ]
        for clinician in due:
            clinician.digest_sent_at = now
    for clinician in due:
        async with database.transaction() as db:
            with use_language(clinician.language):
                outgoing = await words.digest(db, clinician, now)
        if outgoing is None or clinician.chat_id is None:
            continue
        await limiter.reserve(clinician.chat_id)
        await limiter.depart()
        try:
            await send_text(bot, clinician.chat_id, outgoing.text, outgoing.markup, DEPARTED)
        except TelegramError as error:
            log.warning("weekly digest of clinician %s not delivered: %s", clinician.id, error)


def digest_due(clinician: Clinician, now: datetime) -> bool:
    """Whether the clinician's digest day and hour came since their last digest (or since
    they were added)."""
    last = clinician.digest_sent_at or clinician.created_at
    at = time(clinician.digest_hour)
    return next_weekly_slot(last, clinician.digest_weekday, at, clinician.timezone) <= now
