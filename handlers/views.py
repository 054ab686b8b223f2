"""How a session looks in a chat, shared by /today and the training-day reminder."""

from __future__ import annotations

from datetime import date

from content.program import PlannedExercise, session_minutes

DAY_FORMAT = "%A %d %B"
Keyboard = list[list[tuple[str, str]]]


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
