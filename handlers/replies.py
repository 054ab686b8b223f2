"""Free-text replies, read in the context of the last question the bot asked.

A message that is clearly something else than the answer to a pending setup question (a
session report, a pain score, "skip") is handled as what it is, and the question is asked
again afterwards: a reply is never forced into being a city or a time.
"""

from __future__ import annotations

from datetime import timedelta

from content.i18n import N_, _
from handlers import checkins, exercises, knee, schedule, start, today
from handlers.common import Turn, turn_handler
from handlers.parsing import Intent, Reply, When, parse_reply
from storage import training
from storage.states import SETUP_QUESTIONS, OnboardingStep, Question, SessionStatus

OUT_OF_RANGE = N_(
    "Pain is scored from 0 (no pain) to 10 (the worst you can imagine). "
    "Please send a whole number, like 3."
)
NOT_UNDERSTOOD = N_(
    'Sorry, I didn\'t catch that. You could write, for example, "done, pain 3" after a '
    'session or "pain 4 this morning". /help lists everything I can do.'
)
# Replies that are plainly not a place, a time or a tap on the days.
_CLEARLY_ELSE = (Intent.DONE, Intent.SKIP, Intent.LATER, Intent.KNEE)


@turn_handler
async def free_text(turn: Turn) -> None:
    """Any text that is not a command: a setup answer while setup asks, else a reply
    understood in the context of the last question, or a short hint."""
    message = turn.update.effective_message
    text = (message.text if message else None) or ""
    user = turn.user
    reply = parse_reply(text, user.language)
    awaiting = user.awaiting
    if awaiting is not None and awaiting.question in SETUP_QUESTIONS:
        if _clearly_else(reply):
            await _handle(turn, text, reply)
            if user.awaiting == awaiting and not user.on_hold:
                start.ask_setup_step(turn)  # then the pending question, once more
            return
        await _answer_setup(turn, awaiting.question, text)
        return
    if not user.onboarded and user.onboarding_step == OnboardingStep.DISCLAIMER:
        start.welcome(turn)  # "hello" before /start: the welcome, as /start gives it
        return
    await _handle(turn, text, reply)


def _clearly_else(reply: Reply) -> bool:
    if reply.intent in _CLEARLY_ELSE:
        return True
    return reply.intent in (Intent.PAIN, Intent.PAIN_OUT_OF_RANGE) and reply.explicit


async def _answer_setup(turn: Turn, question: Question, text: str) -> None:
    if question == Question.TIMEZONE:
        await start.timezone_text(turn, text)
    elif question in (Question.REMINDER_TIME, Question.MORNING_TIME):
        await start.time_text(turn, text, question)
    elif not await start.days_text(turn, text):
        turn.say(_("Tap the days you want to train on, then 💾 Save days."))
        start.ask_days(turn)


async def _handle(turn: Turn, text: str, reply: Reply) -> None:
    trains = reply.intent in (Intent.DONE, Intent.SKIP, Intent.LATER)
    reports = reply.intent in (Intent.PAIN, Intent.KNEE)  # welcome during a hold too
    if (trains or reports) and not await start.require_setup(turn, training=trains):
        return
    if reply.out_of_range or reply.intent is Intent.PAIN_OUT_OF_RANGE:
        turn.say(_(OUT_OF_RANGE))
    elif reply.intent is Intent.DONE:
        await today.done_text(turn, await _left_out(turn, reply), reply.score)
    elif reply.intent is Intent.SKIP:
        await today.mark_skipped(turn, turn.today)
    elif reply.intent is Intent.LATER:
        await schedule.snooze_today(turn)
    elif reply.intent is Intent.KNEE:
        knee.ask_day_score(turn)
    elif reply.intent is Intent.PAIN and reply.score is not None:
        await _pain(turn, reply)
    elif (match := turn.matcher.find(text)).exercise is not None:
        await exercises.show_exercise(turn, match.exercise)
    else:
        turn.say(_(NOT_UNDERSTOOD))


async def _left_out(turn: Turn, reply: Reply) -> frozenset[str]:
    """The exercises of today's session that the message says were not done."""
    if not reply.did and not reply.skipped:
        return frozenset()
    plan = {exercise.slug for exercise in turn.catalogue.exercises}
    levels = frozenset(await training.levels_of(turn.db, turn.user.id))
    did = {slug for name in reply.did if (slug := _exercise(turn, name, levels))}
    skipped = {slug for name in reply.skipped if (slug := _exercise(turn, name, levels))}
    left_out = (plan - did) if did else set()
    return frozenset(left_out | skipped)


def _exercise(turn: Turn, name: str, planned: frozenset[str] = frozenset()) -> str | None:
    """The exercise a name means; of several close ones, the one in today's session."""
    matcher = turn.matcher
    for candidate in (name, name.removesuffix("s"), name.removesuffix("es")):
        match = matcher.find(candidate)
        if match.exercise is not None:
            return match.exercise.slug
        close = [item.slug for item in match.suggestions if item.slug in planned]
        if len(close) == 1:
            return close[0]
    return None


async def _pain(turn: Turn, reply: Reply) -> None:
    assert reply.score is not None
    score, user = reply.score, turn.user
    asked = checkins.awaited_checkin(user.awaiting)
    if reply.when is When.MORNING:
        yesterday = turn.today - timedelta(days=1)
        session = await training.session_on(turn.db, user.id, yesterday)
        if session is not None and session.status == SessionStatus.DONE:
            await checkins.record_checkin(turn, checkins.MORNING, yesterday, score)
        else:
            turn.say(
                _(
                    "A morning score belongs to the session the day before, and I have none for "
                    "yesterday, so I'm keeping it as how your knee is today."
                )
            )
            await knee.record_day_score(turn, score)
        return
    if user.awaiting is not None and user.awaiting.question == Question.DAY_PAIN:
        await knee.record_day_score(turn, score)
        return
    if asked is not None and reply.when is When.ANY:
        await checkins.record_checkin(turn, asked[0], asked[1], score)
        return
    if not reply.explicit:
        turn.say(
            _(
                'If {score} is a pain score, type it as "pain {score}": after a session it is '
                "the pain during it, on other days how your knee is that day."
            ).format(score=score)
        )
        return
    session = await training.session_on(turn.db, user.id, turn.today)
    if session is not None and session.status == SessionStatus.DONE and reply.when is When.ANY:
        await checkins.record_checkin(turn, checkins.DURING, turn.today, score)
    else:
        await knee.record_day_score(turn, score)
