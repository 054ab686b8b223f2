"""Pain check-ins: one 0–10 score per session, asked right after it is logged."""

from __future__ import annotations

from datetime import date

from bot import store
from content.program import PainBand, needs_red_flag_check, pain_band
from handlers.common import Turn, on_button, parse_day
from handlers.views import pain_keyboard

PAIN_DURING = "during"
AWAITING_PAIN = "pain:"


def ask_pain(turn: Turn, day: date) -> None:
    turn.user.awaiting = f"{AWAITING_PAIN}{day}"
    turn.say(
        "How much did your knee hurt during the session? "
        "0 means no pain, 10 the worst you can imagine.",
        pain_keyboard("pain", day),
    )


def awaited_pain_day(turn: Turn) -> date | None:
    """The session day the last question asked about, if it asked for pain."""
    awaiting = turn.user.awaiting or ""
    return (
        parse_day(awaiting.removeprefix(AWAITING_PAIN))
        if awaiting.startswith(AWAITING_PAIN)
        else None
    )


@on_button("pain", r"(\d{4}-\d{2}-\d{2}):(\d{1,2})")
async def pain_button(turn: Turn, args: tuple[str, ...]) -> None:
    day, score = parse_day(args[0]), int(args[1])
    if day is None or score > 10:
        turn.toast = "That button has expired."
        return
    if await record_during_pain(turn, day, score):
        turn.edit(f"Pain during the session: {score}/10")


async def record_during_pain(turn: Turn, day: date, score: int) -> bool:
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
        turn.session, turn.user.id, session_log, PAIN_DURING, score, turn.now
    )
    if turn.user.awaiting == f"{AWAITING_PAIN}{day}":
        turn.user.awaiting = None
    turn.toast = f"Pain {score}/10 noted"
    turn.say(("Updated: " if replaced else "Noted: ") + f"{score}/10. " + _advice(turn, score))
    return True


def _advice(turn: Turn, score: int) -> str:
    catalogue = turn.services.catalogue
    band = pain_band(catalogue.program, score)
    if band is PainBand.SAFE:
        text = "That's in the safe zone. Keep it up!"
    elif band is PainBand.ACCEPTABLE:
        text = "That's acceptable while exercising, as long as it has settled by tomorrow morning."
    else:
        text = (
            "That's more than we want. Ease off next time: fewer reps or the easier "
            "version in 📖, and stop anything that feels sharp."
        )
    if needs_red_flag_check(catalogue.program, score):
        flags = "\n".join(f"• {flag}" for flag in catalogue.safety.red_flags)
        text += (
            f"\n\nWith pain this strong, please check these warning signs:\n{flags}\n"
            "If any of them applies, stop the exercises and see a doctor or "
            f"physiotherapist.\n🚨 {catalogue.safety.emergency}"
        )
    return text
