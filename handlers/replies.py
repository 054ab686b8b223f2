"""Free-text replies, read in the context of the last question the bot asked.

A message that is clearly something else than the answer to a pending setup question (a
session report, a pain score, "skip") is handled as what it is, and the question is asked
again afterwards: a reply is never forced into being a city or a time.
"""

from __future__ import annotations

from datetime import timedelta

from content.alerts import Relayed
from content.i18n import N_, _
from content.states import SETUP_QUESTIONS, OnboardingStep, PainKind, Question
from content.understanding import Intent, Reply, parse_reply
from content.understanding.words import reading
from handlers import checkins, exercises, knee, messages, psfs, schedule, start, today
from handlers.common import Turn, turn_handler
from handlers.views import session_keyboard
from usecases.checkins import latest_score

OUT_OF_RANGE = N_(
    "Pain is scored from 0 (no pain) to 10 (the worst you can imagine). "
    "Please send a whole number, like 3."
)
NOT_UNDERSTOOD = N_(
    'Sorry, I didn\'t catch that. You could write, for example, "done, pain 3" after a '
    'session or "pain 4 this morning". /help lists everything I can do.'
)
WHICH = N_(
    "Which exercises did you do? Today's session: {names}. Write, for example, "
    '"did {example}", or tap ✅ if you did all of them.'
)
# Replies that are plainly not a place, a time or a tap on the days.
_CLEARLY_ELSE = (Intent.DONE, Intent.SKIP, Intent.LATER, Intent.KNEE, Intent.GAVE_WAY)


@turn_handler
async def free_text(turn: Turn) -> None:
    """Any text that is not a command: a setup answer while setup asks, else a reply
    understood in the context of the last question, or a short hint."""
    message = turn.update.effective_message
    text = (message.text if message else None) or ""
    if await messages.take(turn, Relayed(text)):
        return  # a message for the other side of a care link, relayed
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
    if await _answer_psfs(turn, text, reply):
        return
    if not user.onboarded and user.onboarding_step == OnboardingStep.DISCLAIMER:
        start.welcome(turn)  # "hello" before /start: the welcome, as /start gives it
        return
    await _handle(turn, text, reply)


async def _answer_psfs(turn: Turn, text: str, reply: Reply) -> bool:
    """An activity while they are named, a rating while a round is open; a reply that is
    plainly something else ("done", "pain 3") is handled as such and ends the naming."""
    awaiting = turn.user.awaiting
    if awaiting is None:
        return False
    if awaiting.question is Question.PSFS_ACTIVITY:
        if _clearly_else(reply):
            turn.user.awaiting = None
            return False
        await psfs.activity_text(turn, text)
        return True
    return awaiting.question is Question.PSFS_RATING and await psfs.rating_text(
        turn, awaiting, text
    )


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
    reports = reply.intent in (Intent.PAIN, Intent.KNEE, Intent.GAVE_WAY)  # during a hold too
    if (trains or reports) and not await start.require_setup(turn, training=trains):
        return
    if reply.out_of_range or reply.intent is Intent.PAIN_OUT_OF_RANGE:
        turn.say(_(OUT_OF_RANGE))
    elif reply.intent is Intent.DONE:
        await _session_report(turn, reply)
    elif reply.intent is Intent.SKIP:
        await today.mark_skipped(turn, turn.today)
        if reply.score is not None:
            await knee.record_day_score(turn, reply.score)  # "not today, my knee is 7"
        elif reply.knee:
            knee.ask_day_score(turn)  # "not today, my knee still hurts"
    elif reply.intent is Intent.LATER:
        await schedule.snooze_today(turn)
    elif reply.intent is Intent.KNEE:
        knee.ask_day_score(turn)
    elif reply.intent is Intent.GAVE_WAY:
        await knee.gave_way(turn)
        if reply.score is not None:  # "knee gave way on the stairs, pain 6"
            await knee.record_day_score(turn, reply.score)
    elif reply.intent is Intent.PAIN and reply.score is not None:
        await _pain(turn, reply)
    elif (match := turn.matcher.find(text)).exercise is not None:
        await exercises.show_exercise(turn, match.exercise)
    else:
        turn.say(_(NOT_UNDERSTOOD))


async def _session_report(turn: Turn, reply: Reply) -> None:
    """A typed session report: exactly the exercises named count (a name several of today's
    exercises share, like "squats", counts for each of them); if it names none of today's,
    nothing is logged and the person is asked which."""
    plan = await today.todays_plan(turn)
    planned = {item.exercise.slug for item in plan}
    did = {slug for mention in reply.did for slug in mention & planned}
    skipped = {slug for mention in reply.skipped for slug in mention & planned}
    if reply.unnamed or (reply.did and not did):
        names = ", ".join(item.exercise.name for item in plan)
        turn.say(
            _(WHICH).format(names=names, example=plan[0].exercise.name.lower()),
            session_keyboard(turn.today, plan, loggable=True),
        )
        return
    left_out = (planned - did if did else set()) | skipped
    if planned and left_out >= planned:
        await today.mark_skipped(turn, turn.today)  # everything named was left out
        return
    await today.done_text(turn, frozenset(left_out), reply.score)


async def _pain(turn: Turn, reply: Reply) -> None:
    assert reply.score is not None
    score, user = reply.score, turn.user
    asked = checkins.awaited_checkin(user.awaiting)
    day_asked = user.awaiting is not None and user.awaiting.question == Question.DAY_PAIN
    # "I meant 3" while a pain question is open answers it; otherwise it corrects.
    if reply.correction and asked is None and not day_asked and await _correct(turn, reply):
        return
    if reply.when is PainKind.NEXT_MORNING:
        yesterday = turn.today - timedelta(days=1)
        if not await checkins.try_checkin(turn, checkins.MORNING, yesterday, score):
            turn.say(
                _(
                    "A morning score belongs to the session the day before, and I have none for "
                    "yesterday, so I'm keeping it as how your knee is today."
                )
            )
            await knee.record_day_score(turn, score)
        return
    if reply.when is PainKind.DURING:
        day = asked[1] if asked is not None and asked[0] is checkins.DURING else turn.today
        await checkins.record_checkin(turn, checkins.DURING, day, score)
        return
    if day_asked:
        await knee.record_day_score(turn, score)
        return
    if asked is not None and reply.when is None:
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
    today_done = reply.when is None and await checkins.try_checkin(
        turn, checkins.DURING, turn.today, score
    )
    if not today_done:
        await knee.record_day_score(turn, score)


_CHECKINS = {PainKind.DURING: checkins.DURING, PainKind.NEXT_MORNING: checkins.MORNING}


async def _correct(turn: Turn, reply: Reply) -> bool:
    """ "Sorry, pain was 3 not 4": the latest score of that kind (of any kind, if none is
    named) from the last two days is superseded by the new one. False if there is none."""
    assert reply.score is not None
    since = turn.now - timedelta(hours=reading().correction_hours)
    latest = await latest_score(turn.db, turn.user, since, reply.when)
    if latest is None:
        return False
    if latest.session_day is not None and latest.kind in _CHECKINS:
        await checkins.record_checkin(
            turn, _CHECKINS[latest.kind], latest.session_day, reply.score
        )
    else:
        await knee.record_day_score(turn, reply.score)
    return True
