"""/psfs: the Patient-Specific Functional Scale in the chat — naming the activities, rating
them 0–10, and the round's mean with its change."""

from __future__ import annotations

from content import psfs as scale
from content.i18n import _, decimal
from content.states import Awaiting
from handlers.callbacks import ROUND_BUTTON, PsfsScore
from handlers.common import Button, Tap, Turn, turn_handler
from handlers.start import require_setup
from handlers.views import score_keyboard
from usecases import psfs
from usecases.psfs import Completed, NameActivity, RateActivity, Step

DONE_NAMING = "psfsdone"


async def round_button(turn: Turn) -> None:
    """/psfs, or its button: the activities first, then a round of ratings."""
    if not await require_setup(turn, training=False):
        return
    show(turn, await psfs.begin(turn.db, turn.catalogue, turn.user, turn.now))


start_round = turn_handler(round_button)


async def activity_text(turn: Turn, text: str) -> None:
    """A typed activity while they are named; "done" (or its words) ends the naming."""
    step = await psfs.name_activity(turn.db, turn.catalogue, turn.user, text, turn.now)
    if step is None:
        rules = turn.catalogue.program.psfs
        turn.say(
            _(
                "Please describe the activity in a few words (up to {most} characters), for "
                'example "climbing stairs".'
            ).format(most=rules.activity_max_chars)
        )
        return
    show(turn, step)


async def finish_naming(turn: Turn) -> None:
    """✅ That's all: rate the activities named."""
    show(turn, await psfs.finish_naming(turn.db, turn.catalogue, turn.user, turn.now))


async def rating_text(turn: Turn, awaiting: Awaiting, text: str) -> bool:
    """A typed rating of the round awaited; False when the text is not one (handled
    elsewhere)."""
    score = scale.rating(text)
    if score is None or awaiting.day is None:
        return False
    show(turn, await psfs.rate(turn.db, turn.catalogue, turn.user, awaiting.day, score, turn.now))
    return True


async def score_button(turn: Turn, pressed: PsfsScore) -> None:
    """A 0–10 button of the round of its day."""
    day, score = pressed.day, pressed.score
    step = await psfs.rate(turn.db, turn.catalogue, turn.user, day, score, turn.now)
    turn.toast = _("Noted: {score}/10").format(score=pressed.score)
    show(turn, step)


def show(turn: Turn, step: Step) -> None:
    """What the person is asked next, or the round's result."""
    if isinstance(step, NameActivity):
        _ask_activity(turn, step)
    elif isinstance(step, RateActivity):
        turn.say(
            _(
                "{position} of {count}: how well can you do “{activity}” today? 0 means you "
                "can't do it at all, 10 means as well as before your knee trouble."
            ).format(position=step.position, count=step.count, activity=step.activity.name),
            score_keyboard(PsfsScore, step.day),
        )
    else:
        turn.say(_result(step))


def _ask_activity(turn: Turn, step: NameActivity) -> None:
    if step.added is None:
        turn.say(
            _(
                "Which everyday activities does your knee make hard? Name up to {most}, one per "
                'message, in your own words: for example "climbing stairs" or "kneeling in the '
                'garden". Every few weeks you rate the same ones, so we can see what changes.'
            ).format(most=step.most)
        )
        return
    turn.say(
        _("Added: {activity} ({named} of {most}). Another one, or tap ✅ if that's all.").format(
            activity=step.added, named=step.named, most=step.most
        ),
        [[(_("✅ That's all"), DONE_NAMING)]],
    )


def _result(step: Completed) -> str:
    lines = [_("Your activity scores:")]
    lines += [f"• {name}: {score}/10" for name, score in step.scores]
    lines.append(_("Mean: {mean}/10").format(mean=decimal(step.mean)))
    if step.previous is None or step.change is None:
        lines.append(_("This is your starting point; we'll ask again in a few weeks."))
    elif step.change.meaningful and step.change.delta > 0:
        lines.append(
            _("Up {delta} from {previous}: a change you can really feel in daily life.").format(
                delta=decimal(step.change.delta), previous=decimal(step.previous)
            )
        )
    elif step.change.meaningful:
        lines.append(
            _(
                "Down {delta} from {previous}. That is a real change; if it goes on, talk it "
                "over with a physiotherapist."
            ).format(delta=decimal(-step.change.delta), previous=decimal(step.previous))
        )
    else:
        lines.append(
            _("Last time {previous}: about the same.").format(previous=decimal(step.previous))
        )
    return "\n".join(lines)


BUTTONS = (
    Button(PsfsScore, score_button),
    Tap(DONE_NAMING, finish_naming),
    Tap(ROUND_BUTTON, round_button),
)
