"""Pain check-ins: once right after a session ("during") and once the next morning.

Both are asked with 0–10 buttons, and a typed number answers whichever was asked last; the
question asked is kept on the user's row ("pain:<day>" or "morning:<day>").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import store
from content.program import PainBand, needs_red_flag_check, pain_band
from handlers.common import Turn, on_button, parse_day
from handlers.safety import advise_clinician, ask_red_flags
from handlers.views import announce_move, pain_keyboard

SCORE_ARGS = r"(\d{4}-\d{2}-\d{2}):(\d{1,2})"


@dataclass(frozen=True)
class CheckinKind:
    action: str  # button prefix and the "awaiting" prefix
    stored_as: str  # PainCheckin.kind
    echo: str  # how the answer is repeated back
    advice: dict[PainBand, str]  # what a score in each band means


DURING = CheckinKind(
    "pain",
    "during",
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
    "next_morning",
    "Knee this morning",
    {
        PainBand.SAFE: "Your knee took the last session well.",
        PainBand.ACCEPTABLE: "If that's about your usual, carry on as planned.",
        PainBand.TOO_MUCH: "If that's clearly worse than usual, take the next session a level "
        "easier.",
    },
)
_KINDS = {kind.action: kind for kind in (DURING, MORNING)}

MORNING_QUESTION = (
    "Good morning! How does your knee feel today, compared with how it usually feels? "
    "Score it from 0 (no pain) to 10 (the worst you can imagine)."
)


def ask_pain(turn: Turn, day: date) -> None:
    turn.user.awaiting = f"{DURING.action}:{day}"
    turn.say(
        "How much did your knee hurt during the session? "
        "0 means no pain, 10 the worst you can imagine.",
        pain_keyboard(DURING.action, day),
    )


def awaited_checkin(awaiting: str | None) -> tuple[CheckinKind, date] | None:
    """Which pain question the last message asked, and about which session day."""
    action, _, day_text = (awaiting or "").partition(":")
    kind, day = _KINDS.get(action), parse_day(day_text)
    return (kind, day) if kind is not None and day is not None else None


@on_button(DURING.action, SCORE_ARGS)
async def during_button(turn: Turn, args: tuple[str, ...]) -> None:
    await _button(turn, DURING, args)


@on_button(MORNING.action, SCORE_ARGS)
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
    session_log = await store.session_on(turn.session, turn.user.id, day)
    if session_log is None or session_log.status != "done":
        turn.toast = "No finished session that day."
        turn.say(
            "I can only note pain for a session you've finished. "
            "Send /today and tap ✅ when you're done."
        )
        return False
    replaced = await store.record_pain(
        turn.session, turn.user.id, session_log, kind.stored_as, score, turn.now
    )
    if turn.user.awaiting == f"{kind.action}:{day}":
        turn.user.awaiting = None
    turn.toast = f"Pain {score}/10 noted"
    catalogue = turn.services.catalogue
    lines = [
        ("Updated: " if replaced else "Noted: ") + f"{score}/10. " + _advice(turn, kind, score)
    ]
    review = await store.review_progress(turn.session, catalogue, turn.user, turn.now)
    lines += [announce_move(catalogue, move) for move in review.moves]
    turn.say("\n\n".join(lines))
    if review.see_clinician:
        advise_clinician(turn, [catalogue.get(slug).name for slug in review.see_clinician])
    if needs_red_flag_check(catalogue.program, score):
        ask_red_flags(turn, "With pain this strong, please check: does any of this apply now?")
    return True


def _advice(turn: Turn, kind: CheckinKind, score: int) -> str:
    return kind.advice[pain_band(turn.services.catalogue.program, score)]
