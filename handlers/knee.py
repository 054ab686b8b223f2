"""The knee outside a session: "my knee hurts", "my knee is 6 today", "pain 6" on a rest day,
"my knee gave way".

A score is kept as a day score (its own kind), shown in /history, the chart and /export, read
by the weekly check-in, and, above the acceptable band on two days in a row, a reason to
suggest a gentler next session. A knee that gave way is kept as a knee event with the answer
to whether it followed an injury (which leads to the warning-sign screen).
"""

from __future__ import annotations

from content.catalogue import Catalogue, Moment
from content.i18n import N_, _
from content.program import (
    PainBand,
    PlannedExercise,
    needs_red_flag_check,
    pain_band,
)
from content.states import Awaiting, GaveWayAnswer, Question
from handlers.callbacks import DayScore, GaveWay
from handlers.common import Button, Turn
from handlers.safety import ask_red_flags
from handlers.views import ease_off, score_keyboard
from usecases import knee, training

INJURY, NO_WEIGHT, NEITHER = GaveWayAnswer.INJURY, GaveWayAnswer.NO_WEIGHT, GaveWayAnswer.NEITHER
# The answer about a knee that gave way, as /report, /history and /export say it.
GAVE_WAY_WORDS = {
    GaveWayAnswer.INJURY: N_("after a fall or injury, now swollen"),
    GaveWayAnswer.NO_WEIGHT: N_("could not put weight on it"),
    GaveWayAnswer.NEITHER: N_("no fall or injury"),
    None: N_("not answered"),
}
ADVICE = {
    PainBand.SAFE: N_("Good to hear."),
    PainBand.ACCEPTABLE: N_("That's within what's fine for training; keep moving gently."),
    PainBand.TOO_MUCH: N_("That's a lot. Be kind to your knee today."),
}
GENTLE = N_(
    "🩹 Your knee has been above {limit}/10 two days in a row, so take this session gently."
)


def ask_day_score(turn: Turn) -> None:
    """No number was given: ask for one, with 0–10 buttons."""
    day = turn.today
    turn.user.awaiting = Awaiting(Question.DAY_PAIN, day)
    turn.say(
        _("Sorry to hear that. How is your knee right now, from 0 (no pain) to 10 (the worst)?"),
        score_keyboard(DayScore, day),
    )


async def record_day_score(turn: Turn, score: int) -> None:
    """Keep a knee score given outside a session as today's day score; advise on it and offer
    the red-flag screen when it is high."""
    user, program = turn.user, turn.catalogue.program
    await knee.add_day_score(turn.db, user, score, turn.now)
    if user.awaiting is not None and user.awaiting.question == Question.DAY_PAIN:
        user.awaiting = None
    turn.toast = _("Knee {score}/10 noted").format(score=score)
    lines = [
        _("Noted: your knee is at {score}/10 today.").format(score=score)
        + " "
        + _(ADVICE[pain_band(program, score)])
    ]
    if await sore_lately(turn):
        plan = await training.todays_plan(turn.catalogue, user, turn.now)
        lines.append(gentle_line(turn.catalogue, plan))
    turn.say("\n\n".join(lines))
    if needs_red_flag_check(program, score):
        ask_red_flags(turn, Moment.LATER)


async def sore_lately(turn: Turn) -> bool:
    """Two days in a row above the acceptable band, up to today."""
    return await knee.sore_lately(turn.db, turn.catalogue, turn.user, turn.today)


def gentle_line(catalogue: Catalogue, plan: list[PlannedExercise]) -> str:
    """The "take it gently" advice after sore days in a row, with the program's limit in it,
    and how (never an easier version when every exercise is at its easiest already)."""
    at_easiest = all(item.level_number <= 1 for item in plan)
    limit = catalogue.program.pain.acceptable_max
    return _(GENTLE).format(limit=limit) + " " + ease_off(at_easiest)


async def day_button(turn: Turn, pressed: DayScore) -> None:
    """A 0–10 button of the day-score question; only today's buttons still count."""
    day, score = pressed.day, pressed.score
    if day != turn.today:
        turn.toast = _('That question has passed. Tell me how your knee is, like "pain 4".')
        return
    turn.edit(_("Knee today: {score}/10").format(score=score))
    await record_day_score(turn, score)


async def gave_way(turn: Turn) -> None:
    """ "My knee gave way": kept for the report, then the two questions that tell an injury
    (the warning-sign screen) from the common kind (the balance exercises train it)."""
    event_id = await knee.gave_way(turn.db, turn.user, turn.now)
    turn.say(
        _(
            "Sorry to hear your knee gave way. Did it happen with a fall or an injury, and is "
            "the knee swollen now? Or can you not put weight on the leg?"
        ),
        [
            [(_("Yes: a fall or injury, now swollen"), GaveWay(event_id, INJURY).data())],
            [(_("Yes: I can't put weight on it"), GaveWay(event_id, NO_WEIGHT).data())],
            [(_("No, neither"), GaveWay(event_id, NEITHER).data())],
        ],
    )


async def gave_way_button(turn: Turn, pressed: GaveWay) -> None:
    """The answer about a knee that gave way: an injury or no weight → the warning signs."""
    answer = pressed.answer
    if not await knee.answer_gave_way(turn.db, turn.user, pressed.event, answer):
        turn.toast = _("That button has expired.")
        return
    if answer is GaveWayAnswer.NEITHER:
        turn.edit(_("No fall, no injury, and you can stand on it."))
        turn.say(
            _(
                "Thanks. A knee that gives way now and then is common with knee pain: the "
                "muscles around it react to the pain for a moment. The balance exercises train "
                "exactly that steadiness. I've noted it for your report. If it happens often, "
                "or comes with swelling or locking, have it looked at."
            )
        )
        return
    turn.edit(
        _("After a fall or injury, now swollen.")
        if answer is GaveWayAnswer.INJURY
        else _("You can't put weight on it.")
    )
    turn.say(_("Thanks. That needs checking: please look through these warning signs."))
    ask_red_flags(turn, Moment.LATER)


BUTTONS = (Button(DayScore, day_button), Button(GaveWay, gave_way_button))
