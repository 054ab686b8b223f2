"""Pain check-ins: once right after a session ("during") and once the next morning.

Both are asked with 0–10 buttons, and a typed number answers whichever was asked last; the
question asked is kept on the user's row as an Awaiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from content.i18n import N_
from content.program import PainBand, needs_red_flag_check, pain_band
from handlers.common import Button, Turn, parse_day
from handlers.safety import advise_clinician, ask_red_flags
from handlers.usecases.checkins import record_score
from handlers.views import announce_move, pain_keyboard
from storage.states import Awaiting, PainKind, Question

SCORE_ARGS = r"(\d{4}-\d{2}-\d{2}):(\d{1,2})"


@dataclass(frozen=True)
class CheckinKind:
    action: str  # button prefix
    question: Question  # what a typed number answers while this is pending
    stored_as: PainKind
    echo: str  # how the answer is repeated back
    advice: dict[PainBand, str]  # what a score in each band means


DURING = CheckinKind(
    "pain",
    Question.PAIN,
    PainKind.DURING,
    "Pain during the session",
    {
        PainBand.SAFE: "That's in the safe zone. Keep it up!",
        PainBand.ACCEPTABLE: "That's acceptable while exercising, as long as it has settled by "
        "tomorrow morning.",
        PainBand.TOO_MUCH: "That's more than we want. Ease off next time: fewer reps or the "
        "easier version in 📖, and stop anything that feels sharp.",
    },
)
MORNING = CheckinKind(
    "morning",
    Question.MORNING,
    PainKind.NEXT_MORNING,
    "Knee this morning",
    {
        PainBand.SAFE: "Your knee took the last session well.",
        PainBand.ACCEPTABLE: "If that's about your usual, carry on as planned.",
        PainBand.TOO_MUCH: "If that's clearly worse than usual, take the next session a level "
        "easier.",
    },
)
_KINDS = {kind.question: kind for kind in (DURING, MORNING)}

MORNING_QUESTION = N_(
    "How is your knee this morning, 0–10? 0 means no pain, 10 the worst you can imagine."
)


def ask_pain(turn: Turn, day: date) -> None:
    turn.user.awaiting = Awaiting(DURING.question, day)
    turn.say(
        "How much did your knee hurt during the session? "
        "0 means no pain, 10 the worst you can imagine.",
        pain_keyboard(DURING.action, day),
    )


def awaited_checkin(awaiting: Awaiting | None) -> tuple[CheckinKind, date] | None:
    """Which pain question the last message asked, and about which session day."""
    if awaiting is None or awaiting.day is None or awaiting.question not in _KINDS:
        return None
    return _KINDS[awaiting.question], awaiting.day


async def during_button(turn: Turn, args: tuple[str, ...]) -> None:
    await _button(turn, DURING, args)


async def morning_button(turn: Turn, args: tuple[str, ...]) -> None:
    await _button(turn, MORNING, args)


async def _button(turn: Turn, kind: CheckinKind, args: tuple[str, ...]) -> None:
    day, score = parse_day(args[0]), int(args[1])
    if day is None or score > 10:
        turn.toast = "That button has expired."
        return
    if await record_checkin(turn, kind, day, score):
        turn.edit(f"{kind.echo}: {score}/10")


async def record_checkin(turn: Turn, kind: CheckinKind, day: date, score: int) -> bool:
    """Store the score against that day's done session and answer with what it means."""
    catalogue = turn.services.catalogue
    recorded = await record_score(
        turn.db, catalogue, turn.user, kind.stored_as, day, score, turn.now
    )
    if recorded is None:
        turn.toast = "No finished session that day."
        turn.say(
            "I can only note pain for a session you've finished. "
            "Send /today and tap ✅ when you're done."
        )
        return False
    if turn.user.awaiting == Awaiting(kind.question, day):
        turn.user.awaiting = None
    turn.toast = f"Pain {score}/10 noted"
    lines = [
        ("Updated: " if recorded.replaced else "Noted: ")
        + f"{score}/10. "
        + _advice(turn, kind, score)
    ]
    lines += [announce_move(catalogue, move) for move in recorded.review.moves]
    turn.say("\n\n".join(lines))
    if recorded.review.see_clinician:
        names = [
            found.name
            for slug in recorded.review.see_clinician
            if (found := catalogue.get(slug)) is not None
        ]
        advise_clinician(turn, names)
    if needs_red_flag_check(catalogue.program, score):
        ask_red_flags(turn, "With pain this strong, please check: does any of this apply now?")
    return True


def _advice(turn: Turn, kind: CheckinKind, score: int) -> str:
    return kind.advice[pain_band(turn.services.catalogue.program, score)]


BUTTONS = (
    Button(DURING.action, during_button, SCORE_ARGS),
    Button(MORNING.action, morning_button, SCORE_ARGS),
)
