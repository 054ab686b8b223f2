"""/exercises and /exercise <name>: the catalogue, with forgiving name matching."""

from __future__ import annotations

from content.catalogue import Exercise
from handlers.common import Button, Keyboard, Turn, turn_handler
from handlers.safety import hold_notice
from storage import training

SLUG_ARG = r"([a-z][a-z0-9_]{1,30})"


def _list_keyboard(exercises: tuple[Exercise, ...] | list[Exercise]) -> Keyboard:
    return [[(f"📖 {exercise.name}", f"how:{exercise.slug}")] for exercise in exercises]


@turn_handler
async def list_exercises(turn: Turn) -> None:
    """All seven exercises in program order, each a button to its instructions."""
    show_list(turn)


def show_list(turn: Turn) -> None:
    exercises = turn.services.catalogue.exercises
    lines = [
        f"{number}. {exercise.name}: {exercise.dose.describe()}"
        for number, exercise in enumerate(exercises, start=1)
    ]
    turn.say(
        "The Knee Coach exercises, in program order:\n\n"
        + "\n".join(lines)
        + "\n\nTap one for instructions.",
        _list_keyboard(exercises),
    )


@turn_handler
async def exercise(turn: Turn) -> None:
    """Instructions for one exercise; a typo gets the closest names as buttons. During a hold,
    the hold is said first."""
    if turn.user.on_hold:
        hold_notice(turn)
    query = " ".join(turn.context.args or [])
    if not query.strip():
        show_list(turn)
        return
    await show_by_name(turn, query)


async def show_by_name(turn: Turn, query: str) -> None:
    match = turn.services.matcher.find(query)
    if match.exercise is not None:
        await show_exercise(turn, match.exercise, hold_said=True)
        return
    shown = query.strip()[:40]
    turn.say(
        f'I couldn\'t find exactly "{shown}". Did you mean one of these?',
        [*_list_keyboard(match.suggestions), [("📚 All exercises", "list")]],
    )


async def how_to_button(turn: Turn, args: tuple[str, ...]) -> None:
    found = turn.services.catalogue.get(args[0])
    if found is None:
        turn.toast = "That exercise is no longer in the program."
        return
    await show_exercise(turn, found)


async def list_button(turn: Turn, _args: tuple[str, ...]) -> None:
    show_list(turn)


async def show_exercise(turn: Turn, item: Exercise, *, hold_said: bool = False) -> None:
    if turn.user.on_hold and not hold_said:
        hold_notice(turn)
    levels = await training.levels_of(turn.db, turn.user.id)
    current = levels.get(item.slug)
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(item.steps, start=1))
    cues = "\n".join(f"• {cue}" for cue in item.cues)
    avoid = "\n".join(f"• {mistake}" for mistake in item.avoid)
    level_lines = []
    for number, level in enumerate(item.levels, start=1):
        marker = "👉" if number == current else "  "
        level_lines.append(f"{marker} {number}. {level.label}: {level.how}")
    status = (
        f"You're on level {current}."
        if current is not None
        else "Not in your program yet: it opens as you progress."
    )
    turn.say(
        f"📖 {item.name}\n{item.purpose}\n\n"
        f"How to do it:\n{steps}\n\n"
        f"Feel for:\n{cues}\n\n"
        f"Avoid:\n{avoid}\n\n"
        f"Dose: {item.dose.describe()}\n\n"
        f"Levels (easier to harder):\n" + "\n".join(level_lines) + f"\n{status}"
    )


BUTTONS = (
    Button("how", how_to_button, SLUG_ARG),
    Button("list", list_button),
)
