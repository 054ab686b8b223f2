"""How a session looks in a chat, shared by /today and the training-day reminder."""

from __future__ import annotations

from datetime import date

from content.catalogue import Catalogue
from content.program import PlannedExercise, session_minutes
from content.progression import Decision, Step, Why
from scheduler.outgoing import Keyboard

DAY_FORMAT = "%A %d %B"


def session_lines(plan: list[PlannedExercise]) -> list[str]:
    lines = [
        f"{number}. {item.exercise.name} ({item.level.label}): {item.exercise.dose.describe()}"
        for number, item in enumerate(plan, start=1)
    ]
    lines.append(f"\nAbout {session_minutes(plan)} minutes. Tap 📖 for how to do each one.")
    return lines


def session_keyboard(
    day: date, plan: list[PlannedExercise], *, loggable: bool, snooze: bool = False
) -> Keyboard:
    keyboard: Keyboard = []
    if loggable:
        row = [("✅ Session done", f"done:{day}")]
        if snooze:
            row.append(("⏰ Snooze 1 h", f"snooze:{day}"))
        row.append(("⏭ Skip today", f"skip:{day}"))
        keyboard.append(row)
    how_to = [(f"📖 {item.exercise.name}", f"how:{item.exercise.slug}") for item in plan]
    keyboard += [how_to[index : index + 2] for index in range(0, len(how_to), 2)]
    return keyboard


def pain_keyboard(action: str, day: date) -> Keyboard:
    """0–10 buttons; action is "pain" (during a session) or "morning" (next morning)."""
    buttons = [(str(score), f"{action}:{day}:{score}") for score in range(11)]
    return [buttons[:6], buttons[6:]]


def announce_move(catalogue: Catalogue, move: Decision) -> str:
    """One line that says what moved and why."""
    exercise = catalogue.get(move.exercise)
    assert exercise is not None, "moves only name exercises of the catalogue"
    program = catalogue.program
    label = exercise.level(move.new_level).label
    where = f"level {move.new_level} of {len(exercise.levels)} ({label})"
    if move.step is Step.UNLOCK:
        after = next(rule.after for rule in program.unlock if rule.exercise == move.exercise)
        names = join_names([found.name for found in catalogue.in_session_order(after)])
        return (
            f"🔓 New exercise from your next session: {exercise.name}, now that {names} "
            "went pain-free."
        )
    if move.step is Step.UP:
        sessions = program.progression.pain_free_sessions
        return (
            f"⬆️ {exercise.name} moves up to {where}: your last {sessions} sessions of it were "
            "pain-free and your knee was fine the mornings after."
        )
    if move.why is Why.WORSE_MORNING:
        return (
            f"⬇️ {exercise.name} goes back to {where}: your knee was clearly worse the "
            "morning after."
        )
    return (
        f"⬇️ {exercise.name} goes back to {where}: the pain during the session was above "
        f"{program.pain.acceptable_max}."
    )


def join_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""
