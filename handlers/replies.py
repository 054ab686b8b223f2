"""Free-text replies, read in the context of the last question the bot asked."""

from __future__ import annotations

from handlers import checkins, exercises, schedule, start, today
from handlers.common import Turn, turn_handler
from handlers.menu import HINT
from handlers.parsing import Intent, parse_reply
from storage.states import Awaiting, Question

OUT_OF_RANGE = (
    "Pain is scored from 0 (no pain) to 10 (the worst you can imagine). "
    "Please send a whole number, like 3."
)


@turn_handler
async def free_text(turn: Turn) -> None:
    message = turn.update.effective_message
    text = (message.text if message else None) or ""
    awaiting = turn.user.awaiting
    if awaiting == Awaiting(Question.TIMEZONE):
        await start.timezone_text(turn, text)
        return
    if awaiting == Awaiting(Question.REMINDER_TIME):
        await start.time_text(turn, text)
        return
    reply = parse_reply(text)
    needs_setup = (Intent.DONE, Intent.SKIP, Intent.PAIN, Intent.LATER)
    if reply.intent in needs_setup and not start.require_setup(turn):
        return
    if reply.intent is Intent.DONE:
        await today.mark_done(turn, turn.today)
    elif reply.intent is Intent.SKIP:
        await today.mark_skipped(turn, turn.today)
    elif reply.intent is Intent.LATER:
        await schedule.snooze_today(turn)
    elif reply.intent is Intent.PAIN_OUT_OF_RANGE:
        turn.say(OUT_OF_RANGE)
    elif reply.intent is Intent.PAIN and reply.score is not None:
        await _pain(turn, reply.score, reply.explicit, reply.morning)
    elif (match := turn.services.matcher.find(text)).exercise is not None:
        await exercises.show_exercise(turn, match.exercise)
    else:
        turn.say(f"Sorry, I didn't catch that. {HINT}")


async def _pain(turn: Turn, score: int, explicit: bool, morning: bool) -> None:
    if morning:  # "morning 6": this morning's score, for the session the day before
        await checkins.record_morning_today(turn, score)
        return
    asked = checkins.awaited_checkin(turn.user.awaiting)
    if asked is None and explicit:
        asked = (checkins.DURING, turn.today)  # "pain 3" with no question pending: today's
    if asked is None:
        turn.say(f'If {score} is a pain score, type it as "pain {score}" after a session. ' + HINT)
        return
    await checkins.record_checkin(turn, asked[0], asked[1], score)
