"""Red flags: the screen (at /start, after a pain score above 7, and on /redflags), the hold a
"yes" puts on the program, and the plain advice to see a clinician."""

from __future__ import annotations

from handlers.common import Turn, turn_handler
from handlers.views import join_names

CLEARED_BUTTON = [[("✅ A clinician has cleared me", "cleared")]]


def ask_red_flags(turn: Turn, question: str | None = None) -> None:
    safety = turn.services.catalogue.safety
    flags = "\n".join(f"• {flag}" for flag in safety.red_flags)
    turn.say(
        f"{question or safety.red_flag_question}\n\n{flags}",
        [[("Yes, one applies", "redflag:yes"), ("No, none apply", "redflag:no")]],
    )


def put_on_hold(turn: Turn) -> None:
    """A red flag: no program and no reminders until the user confirms they were cleared."""
    turn.user.red_flag_reported_at = turn.now
    turn.user.awaiting = None
    safety = turn.services.catalogue.safety
    turn.say(f"{safety.red_flag_advice}\n\n🚨 {safety.emergency}", CLEARED_BUTTON)


def hold_notice(turn: Turn) -> None:
    turn.say(
        "Your program is on hold until a doctor or physiotherapist has checked your knee, "
        "so I'm not sending exercises or reminders. Once you've been cleared, tap below.",
        CLEARED_BUTTON,
    )


def advise_clinician(turn: Turn, exercise_names: list[str]) -> None:
    in_a_row = turn.services.catalogue.program.progression.regressions_before_clinician
    turn.say(
        f"⚠️ Your knee has protested {in_a_row} sessions in a row ({join_names(exercise_names)})."
        " Please have a doctor or physiotherapist look at it before you carry on, and show "
        "them the exercises you do. Send /redflags to check the warning signs that need a "
        "check sooner."
    )


@turn_handler
async def red_flags(turn: Turn) -> None:
    """/redflags: the screen, whenever the user wants to check."""
    ask_red_flags(turn, "Do any of these warning signs apply to you right now?")
