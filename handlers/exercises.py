"""/exercises and /exercise <name>: the catalogue, with forgiving name matching."""

from __future__ import annotations

from functools import partial

from content.catalogue import Exercise
from content.i18n import _
from handlers.callbacks import HowTo
from handlers.common import Attachment, Button, Keyboard, Tap, Turn, turn_handler
from handlers.safety import hold_notice
from handlers.start import keeps_question
from usecases import exercises, training

CAPTION_LIMIT = 1024  # Telegram's limit for a caption


def _list_keyboard(exercises: tuple[Exercise, ...] | list[Exercise]) -> Keyboard:
    return [[(f"📖 {exercise.name}", HowTo(exercise.slug).data())] for exercise in exercises]


@turn_handler
@keeps_question
async def list_exercises(turn: Turn) -> None:
    """All seven exercises in program order, each a button to its instructions."""
    await show_list(turn)


async def show_list(turn: Turn) -> None:
    """Every exercise in program order with its dose at the person's level (the level it opens
    at, if not open yet), one button each for its instructions."""
    exercises = turn.catalogue.exercises
    levels = await training.levels(turn.user)
    lines = [
        f"{number}. {exercise.name}: "
        + exercise.dose_at(levels.get(exercise.slug, exercise.start_level)).describe()
        for number, exercise in enumerate(exercises, start=1)
    ]
    turn.say(
        _("The Knee Coach exercises, in program order:")
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + _("Tap one for instructions."),
        _list_keyboard(exercises),
    )


@turn_handler
@keeps_question
async def exercise(turn: Turn) -> None:
    """Instructions for one exercise; a typo gets the closest names as buttons. During a hold,
    only the hold: no exercise is offered while the program waits for a clinician."""
    if turn.user.on_hold:
        await hold_notice(turn)
        return
    query = " ".join(turn.context.args or [])
    if not query.strip():
        await show_list(turn)
        return
    await show_by_name(turn, query)


async def show_by_name(turn: Turn, query: str) -> None:
    """Show the exercise a typed name means, or ask back with the closest names as buttons."""
    match = turn.matcher.find(query)
    if match.exercise is not None:
        await show_exercise(turn, match.exercise)
        return
    shown = query.strip()[:40]
    turn.say(
        _('I couldn\'t find exactly "{query}". Did you mean one of these?').format(query=shown),
        [*_list_keyboard(match.suggestions), [(_("📚 All exercises"), "list")]],
    )


async def how_to_button(turn: Turn, pressed: HowTo) -> None:
    """📖 on a session: the instructions of that exercise (if still in the program)."""
    found = turn.catalogue.get(pressed.exercise)
    if found is None:
        turn.toast = _("That exercise is no longer in the program.")
        return
    await show_exercise(turn, found)


async def list_button(turn: Turn) -> None:
    """ "All exercises" under a did-you-mean answer."""
    await show_list(turn)


async def show_exercise(turn: Turn, item: Exercise) -> None:
    """The instructions, as the caption of the animation of the person's level (the level it
    opens at, for an exercise not open yet); what does not fit a caption follows as a message.
    During a hold, only the hold."""
    if turn.user.on_hold:
        await hold_notice(turn)
        return
    levels = await training.levels(turn.user)
    current = levels.get(item.slug)
    shown = current or item.start_level
    steps = "\n".join(
        f"{number}. {step}" for number, step in enumerate(item.steps_at(shown), start=1)
    )
    cues = "\n".join(f"• {cue}" for cue in item.cues)
    avoid = "\n".join(f"• {mistake}" for mistake in item.avoid)
    level_lines = []
    for number, level in enumerate(item.levels, start=1):
        marker = "👉" if number == current else "  "
        level_lines.append(f"{marker} {number}. {level.label}: {level.how}")
    status = (
        _("You're on level {level}.").format(level=current)
        if current is not None
        else _("Not in your program yet: it opens as you progress.")
    )
    sections = [
        f"📖 {item.name}\n{item.purpose}",
        _("How to do it:") + "\n" + steps,
        _("Good form:") + "\n" + cues,
        _("Avoid:") + "\n" + avoid,
        _("Dose: {dose}").format(dose=item.dose_at(shown).describe()),
        _("Levels (easier to harder):") + "\n" + "\n".join(level_lines) + f"\n{status}",
    ]
    animation = await _animation(turn, item.slug, shown)
    if animation is None:
        turn.say("\n\n".join(sections))
        return
    caption, rest = split_caption(sections)
    turn.send_file(animation, caption)
    if rest:
        turn.say(rest)


def split_caption(sections: list[str], limit: int = CAPTION_LIMIT) -> tuple[str, str]:
    """(caption, follow-up): as many whole sections as fit in a caption, then the rest; a first
    section longer than a caption is cut at a line."""
    taken = 0
    while taken < len(sections) and len("\n\n".join(sections[: taken + 1])) <= limit:
        taken += 1
    if taken == 0:
        lines = sections[0].splitlines()
        head = ""
        while lines and len(head + "\n" + lines[0]) <= limit:
            head = f"{head}\n{lines.pop(0)}".strip("\n")
        head = head or sections[0][:limit]
        rest = sections[0][len(head) :].strip("\n")
        return head, "\n\n".join(filter(None, [rest, *sections[1:]]))
    return "\n\n".join(sections[:taken]), "\n\n".join(sections[taken:])


async def _animation(turn: Turn, slug: str, level: int) -> Attachment | None:
    """The level's animation, by the file_id Telegram gave this bot for it if there is one."""
    files = turn.services.animations
    key = files.key(slug, level)
    if key is None:
        return None
    bot_id = turn.context.bot.id
    stored = await exercises.file_id(turn.db, bot_id, key)
    database, clock = turn.services.database, turn.services.clock

    async def uploaded(file_id: str) -> None:
        async with database.transaction() as db:
            await exercises.remember_file_id(db, bot_id, key, file_id, clock.now())

    return Attachment(
        "animation",
        files.filename(slug, level),
        partial(files.gif, slug, level),
        file_id=stored,
        uploaded=uploaded,
        optional=True,
    )


BUTTONS = (
    Button(HowTo, how_to_button),
    Tap("list", list_button),
)
