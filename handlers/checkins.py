"""Pain check-ins: once right after a session ("during") and once the next morning, then the
optional one-tap effort question.

Both scores are asked with 0–10 buttons, and a typed number answers whichever was asked last;
the question asked is kept on the user's row as an Awaiting. Each reply speaks with the one
voice of the session's review: carry on (with any moves announced), stop for today, or see a
clinician, never "carry on" next to "see a clinician".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from content.i18n import N_, _
from content.program import PainBand, pain_band
from content.progression import Effort, Signal
from content.states import Awaiting, PainKind, Question
from handlers.callbacks import DuringScore, EffortAnswer, MorningScore
from handlers.common import Button, Keyboard, Turn
from handlers.safety import ask_red_flags, hold_notice, review_advice
from handlers.views import announce_move, ease_off, out_of_ten, score_keyboard
from usecases.checkins import (
    ScoreOutcome,
    SessionScore,
    Then,
    record_effort,
    record_morning,
    record_score,
)
from usecases.training import Session

# The line a session logged with its score in one message opens with: given whether the
# reply may praise (it may not next to a stop or the advice to see a clinician).
LoggedLine = Callable[[bool], str]


@dataclass(frozen=True)
class CheckinKind:
    """One pain question (during a session, or the next morning): its button, the question a
    typed number answers, how the score is stored, and the words around it."""

    button: type[DuringScore] | type[MorningScore]  # its 0–10 buttons
    question: Question  # what a typed number answers while this is pending
    stored_as: PainKind
    echo: str  # how the answer is repeated back
    advice: dict[PainBand, str]  # what a score in each band means


DURING = CheckinKind(
    DuringScore,
    Question.DURING_PAIN,
    PainKind.DURING,
    N_("Pain during the session"),
    {
        PainBand.SAFE: N_("That's in the safe zone. Keep it up!"),
        PainBand.ACCEPTABLE: N_(
            "That's acceptable while exercising, as long as it has settled by tomorrow morning."
        ),
        PainBand.TOO_MUCH: N_("That's more than we want."),
    },
)
MORNING = CheckinKind(
    MorningScore,
    Question.MORNING_PAIN,
    PainKind.NEXT_MORNING,
    N_("Knee the morning after"),
    {
        PainBand.SAFE: N_("Your knee took the last session well."),
        PainBand.ACCEPTABLE: N_("That's acceptable the morning after. Carry on as planned."),
        PainBand.TOO_MUCH: N_(
            "That's more than we want the morning after: nothing moves up until your mornings "
            "settle."
        ),
    },
)
_KINDS = {kind.question: kind for kind in (DURING, MORNING)}

MORNING_QUESTION = N_(
    "How is your knee this morning, 0–10? 0 means no pain, 10 the worst you can imagine."
)
# The same question once the morning is over where the person is.
LATE_MORNING_QUESTION = N_(
    "How is your knee today, the day after your session, 0–10? 0 means no pain, 10 the worst "
    "you can imagine."
)
EFFORT_LABELS = {
    Effort.EASY: N_("😌 Easy"),
    Effort.JUST_RIGHT: N_("👍 Just right"),
    Effort.HARD: N_("😓 Hard"),
}
EFFORT_WORDS = {
    Effort.EASY: N_("easy"),
    Effort.JUST_RIGHT: N_("just right"),
    Effort.HARD: N_("hard"),
}


def ask_pain(turn: Turn, day: date) -> None:
    """Ask for the pain during the session of `day`; a typed number answers it from now on."""
    turn.user.awaiting = Awaiting(DURING.question, day)
    turn.say(
        _(
            "How much did your knee hurt during the session? "
            "0 means no pain, 10 the worst you can imagine."
        ),
        score_keyboard(DURING.button, day),
    )


def awaited_checkin(awaiting: Awaiting | None) -> tuple[CheckinKind, date] | None:
    """Which pain question the last message asked, and about which session day."""
    if awaiting is None or awaiting.day is None or awaiting.question not in _KINDS:
        return None
    return _KINDS[awaiting.question], awaiting.day


async def during_button(turn: Turn, pressed: DuringScore) -> None:
    """A 0–10 button of the pain-during question."""
    await _button(turn, DURING, pressed.day, pressed.score)


async def morning_button(turn: Turn, pressed: MorningScore) -> None:
    """A 0–10 button of the morning question."""
    await _button(turn, MORNING, pressed.day, pressed.score)


async def _button(turn: Turn, kind: CheckinKind, day: date, score: int) -> None:
    if await record_checkin(turn, kind, day, score):
        turn.edit(_("{what}: {score}/10").format(what=_(kind.echo), score=score))


async def record_checkin(
    turn: Turn,
    kind: CheckinKind,
    day: date,
    score: int,
    logged: LoggedLine | None = None,
    session: Session | None = None,
) -> bool:
    """Store the score against that day's done session and answer with what it means
    (opened by `logged` when the session was logged in the same message); without a done
    session that day, say how a score is given."""
    if await try_checkin(turn, kind, day, score, logged, session):
        return True
    turn.toast = _("No finished session that day.")
    turn.say(
        _(
            "I can only note pain for a session you've finished. "
            "Send /today and tap ✅ when you're done."
        )
    )
    return False


async def try_checkin(
    turn: Turn,
    kind: CheckinKind,
    day: date,
    score: int,
    logged: LoggedLine | None = None,
    session: Session | None = None,
) -> bool:
    """Store the score against that day's done session (`session`, when it was just logged)
    and answer with what it means; False, with nothing said or stored, when there is no done
    session that day."""
    given = SessionScore(kind.stored_as, day, score)
    outcome = await record_score(turn.db, turn.catalogue, turn.user, given, turn.now, session)
    if outcome is None:
        return False
    if turn.user.awaiting == Awaiting(kind.question, day):
        turn.user.awaiting = None
    await render_outcome(turn, kind, outcome, logged)
    return True


async def record_morning_today(turn: Turn, score: int) -> None:
    """ "morning 6" typed: this morning's score, for the session the day before."""
    catalogue = turn.catalogue
    outcome = await record_morning(turn.db, catalogue, turn.user, turn.today, score, turn.now)
    if outcome is None:
        turn.say(
            _(
                "A morning score belongs to the session the day before, and I have none for "
                "yesterday. After a session, send the score the next morning."
            )
        )
        return
    if turn.user.awaiting == Awaiting(MORNING.question, outcome.session_day):
        turn.user.awaiting = None
    await render_outcome(turn, MORNING, outcome)


async def render_outcome(
    turn: Turn, kind: CheckinKind, outcome: ScoreOutcome, logged: LoggedLine | None = None
) -> None:
    """One reply in the review's one voice, then the red-flag screen, the clinician advice (or
    the hold it is under) or the effort question when they apply."""
    turn.toast = _("Pain {score} noted").format(score=out_of_ten(outcome.score))
    head = _headline(turn, kind, outcome)
    lines = [head] if logged is None else [logged(outcome.praises), head]
    baseline = outcome.review.morning_baseline_is_session
    lines += [
        announce_move(turn.catalogue, change, baseline_is_session=baseline)
        for change in outcome.changes
    ]
    lines += _hold_lines(turn, outcome)
    turn.say("\n\n".join(lines))
    for step in outcome.then:
        if step is Then.REVIEW_ADVICE:
            await review_advice(turn, outcome.review)
        elif step is Then.HOLD_NOTICE:
            await hold_notice(turn)
        elif step is Then.RED_FLAG_SCREEN:
            ask_red_flags(turn)
        else:
            ask_effort(turn, outcome.session_day)


def _headline(turn: Turn, kind: CheckinKind, outcome: ScoreOutcome) -> str:
    """The score noted (or corrected), then stop for today, or what it means when the program
    carries on."""
    if outcome.corrected is None:
        head = _("Noted: {score}.").format(score=out_of_ten(outcome.score))
    else:
        head = _("Updated: {score} (it was {earlier}).").format(
            score=out_of_ten(outcome.score), earlier=out_of_ten(outcome.corrected)
        )
    if outcome.review.stop_today:
        head += " " + _(
            "🛑 {score} is severe pain. Please stop for today and rest your knee: no more "
            "exercises today."
        ).format(score=out_of_ten(outcome.score))
    elif outcome.carries_on:
        head += " " + _advice(turn, kind, outcome)
    return head


def _hold_lines(turn: Turn, outcome: ScoreOutcome) -> list[str]:
    """What holds the program back this time (a recent flare), or no longer does (a hold the
    corrected score lifted)."""
    lines = []
    if outcome.review.flare_held:
        lines.append(
            _(
                "🩹 Your knee was above {limit}/10 on a day in the last two days, so nothing "
                "steps up or opens this time."
            ).format(limit=turn.catalogue.program.pain.acceptable_max)
        )
    if outcome.lifted:
        lines.append(
            _(
                "With the corrected score the reason for the review is gone, so the hold is "
                "lifted and your program runs again."
            )
        )
    return lines


def _advice(turn: Turn, kind: CheckinKind, outcome: ScoreOutcome) -> str:
    """What the score means, for a reply that carries on."""
    review, score = outcome.review, outcome.score
    pain = turn.catalogue.program.pain
    band = pain_band(turn.catalogue.program, score)
    session = review.session
    worse_morning = (
        kind is MORNING
        and review.signal is Signal.DOWN
        and session is not None
        and (session.during is None or session.during <= pain.acceptable_max)
    )
    moved = outcome.moved_down
    if not worse_morning:
        text = _(kind.advice[band])
        if kind is DURING and band is PainBand.TOO_MUCH:
            text += " " + ease_off(outcome.at_easiest, just_moved=moved)
        return text
    baseline = review.morning_baseline
    if review.morning_baseline_is_session and session is not None and session.during is not None:
        text = _("That's clearly worse than the pain during that session ({during}/10).").format(
            during=session.during
        )
    elif baseline is not None:
        text = _("That's clearly worse than your usual morning ({usual}/10).").format(
            usual=f"{baseline:g}"
        )
    else:
        text = _("That's clearly worse than your usual morning.")
    if not moved:
        text += " " + ease_off(outcome.at_easiest)
    return text


def ask_effort(turn: Turn, day: date) -> None:
    """The optional one-tap question after the pain score; no answer has no effect."""
    keyboard: Keyboard = [
        [(_(label), EffortAnswer(day, effort).data()) for effort, label in EFFORT_LABELS.items()]
    ]
    turn.say(_("How hard was the session? One tap, if you like; it's fine to skip it."), keyboard)


async def effort_button(turn: Turn, pressed: EffortAnswer) -> None:
    """The optional effort rating of the session of that day; "hard" holds back step-ups from
    it, and any move it undoes is announced."""
    day, effort = pressed.day, pressed.effort
    catalogue = turn.catalogue
    outcome = await record_effort(turn.db, catalogue, turn.user, day, effort, turn.now)
    if outcome is None:
        turn.toast = _("No finished session that day.")
        return
    word = _(EFFORT_WORDS[effort])
    turn.toast = _("Effort: {effort}").format(effort=word)
    turn.edit(_("How hard was the session: {effort}").format(effort=word))
    if effort is Effort.HARD:
        text = _(
            "Thanks. A hard session doesn't count towards a step up, so your knee gets time "
            "to get used to this level."
        )
    else:
        text = _("Thanks, noted.")
    lines = [text]
    lines += [
        announce_move(catalogue, change, hard_effort=effort is Effort.HARD)
        for change in outcome.changes
    ]
    turn.say("\n\n".join(lines))


BUTTONS = (
    Button(DuringScore, during_button),
    Button(MorningScore, morning_button),
    Button(EffortAnswer, effort_button),
)
