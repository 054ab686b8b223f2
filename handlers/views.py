"""How a session looks in a chat, shared by /today and the training-day reminder; and why a
level moved, in words, shared by /report and /export."""

from __future__ import annotations

from datetime import date

from content.catalogue import Catalogue, Exercise
from content.i18n import N_, _, ngettext, short_day
from content.program import PlannedExercise, session_minutes
from content.progression import Decision, Scores, Step, Why
from handlers.callbacks import (
    DayScore,
    Done,
    DuringScore,
    HowTo,
    MorningScore,
    PsfsScore,
    Skip,
    Snooze,
)
from scheduler.outgoing import Keyboard


def session_lines(plan: list[PlannedExercise]) -> list[str]:
    """The plan as numbered lines with level and dose, then the estimated minutes."""
    lines = [
        f"{number}. {item.exercise.name} ({item.level.label}): {item.dose.describe()}"
        for number, item in enumerate(plan, start=1)
    ]
    minutes = session_minutes(plan)
    lines.append(
        "\n"
        + ngettext(
            "About {count} minute. Tap 📖 for how to do each one.",
            "About {count} minutes. Tap 📖 for how to do each one.",
            minutes,
        ).format(count=minutes)
    )
    return lines


def session_keyboard(
    day: date, plan: list[PlannedExercise], *, loggable: bool, snooze: bool = False
) -> Keyboard:
    """The session's buttons: done (/ snooze) / skip when it can still be logged, then 📖 for
    each exercise, two a row."""
    keyboard: Keyboard = []
    if loggable:
        row = [(_("✅ Session done"), Done(day).data())]
        if snooze:
            row.append((_("⏰ Snooze 1 h"), Snooze(day).data()))
        row.append((_("⏭ Skip today"), Skip(day).data()))
        keyboard.append(row)
    how_to = [(f"📖 {item.exercise.name}", HowTo(item.exercise.slug).data()) for item in plan]
    keyboard += [how_to[index : index + 2] for index in range(0, len(how_to), 2)]
    return keyboard


ScoreButton = type[DuringScore] | type[MorningScore] | type[DayScore] | type[PsfsScore]


def score_keyboard(kind: ScoreButton, day: date) -> Keyboard:
    """0–10 buttons of one question (pain during a session, the next morning, the day; an
    activity's rating on the functional scale)."""
    buttons = [(str(score), kind(day, score).data()) for score in range(11)]
    return [buttons[:6], buttons[6:]]


def announce_move(
    catalogue: Catalogue,
    move: Decision,
    *,
    hard_effort: bool = False,
    baseline_is_session: bool = False,
) -> str:
    """One line that says what moved and why, quoting the real scores behind it.

    hard_effort: an undo caused by the answer "hard" rather than by a corrected score.
    baseline_is_session: a worse morning was compared with the pain during the session (there
    was no earlier morning to call usual)."""
    exercise = catalogue.get(move.exercise)
    assert exercise is not None, "moves only name exercises of the catalogue"
    if move.step is Step.UNDO:
        return _undo(exercise, move, hard_effort)
    if move.step is Step.UNLOCK:
        return _unlock(catalogue, exercise, move)
    if move.step is Step.UP:
        return _up(exercise, move)
    return _down(catalogue, exercise, move, baseline_is_session)


def _unlock(catalogue: Catalogue, exercise: Exercise, move: Decision) -> str:
    """A new exercise, and the ones before it that went well."""
    after = next(rule.after for rule in catalogue.program.unlock if rule.exercise == move.exercise)
    names = join_names([found.name for found in catalogue.in_session_order(after)])
    count = len(move.evidence)
    return ngettext(
        "🔓 New exercise from your next session: {name}, now that {names} went well: your "
        "last session had pain {during}, and your knee was {mornings} the morning after.",
        "🔓 New exercise from your next session: {name}, now that {names} went well: your "
        "last {count} sessions had pain {during}, and your knee was {mornings} the "
        "mornings after.",
        count,
    ).format(
        name=exercise.name,
        names=names,
        count=count,
        during=_during(move.evidence),
        mornings=_mornings(move.evidence),
    )


def _up(exercise: Exercise, move: Decision) -> str:
    """A step up, and the sessions of it that earned it."""
    count = len(move.evidence)
    return ngettext(
        "⬆️ {name} moves up to {where}: your last session of it had pain {during}, and "
        "your knee was {mornings} the morning after.",
        "⬆️ {name} moves up to {where}: your last {count} sessions of it had pain "
        "{during}, and your knee was {mornings} the mornings after.",
        count,
    ).format(
        name=exercise.name,
        where=level_place(exercise, move.new_level),
        count=count,
        during=_during(move.evidence),
        mornings=_mornings(move.evidence),
    )


def _down(
    catalogue: Catalogue, exercise: Exercise, move: Decision, baseline_is_session: bool
) -> str:
    """A step back: a morning clearly worse (than the session's pain when there is no usual
    morning yet), or too much pain during the session."""
    where = level_place(exercise, move.new_level)
    if move.why is Why.WORSE_MORNING and baseline_is_session:
        return _(
            "⬇️ {name} goes back to {where}: your knee was {mornings} the morning after, "
            "clearly worse than the pain during that session ({during})."
        ).format(
            name=exercise.name,
            where=where,
            mornings=_mornings(move.evidence),
            during=_during(move.evidence),
        )
    if move.why is Why.WORSE_MORNING:
        usual = move.usual_morning
        return _(
            "⬇️ {name} goes back to {where}: your knee was {mornings} the morning after, "
            "clearly worse than your usual {usual}/10."
        ).format(
            name=exercise.name,
            where=where,
            mornings=_mornings(move.evidence),
            usual=f"{usual:g}" if usual is not None else "?",
        )
    return _(
        "⬇️ {name} goes back to {where}: the pain during the session was {during}, above {limit}."
    ).format(
        name=exercise.name,
        where=where,
        during=_during(move.evidence),
        limit=catalogue.program.pain.acceptable_max,
    )


def announce_easiest(catalogue: Catalogue, moves: tuple[Decision, ...]) -> str:
    """The choice to carry on at the easiest levels, and what it moved."""
    if not moves:
        return _("Every exercise was at its easiest level already, and stays there for now.")
    return _("Every exercise is at its easiest level now:") + "\n" + _level_list(catalogue, moves)


def announce_return(
    catalogue: Catalogue, moves: tuple[Decision, ...], last_session: date, today: date
) -> str:
    """Back after a break: every exercise above its easiest level one lower, and why."""
    days = (today - last_session).days
    return (
        ngettext(
            "Welcome back! Your last session was on {day}, {count} day ago, so we ease back "
            "in: these exercises start one level easier, and sessions from before the break "
            "no longer count towards a step up.",
            "Welcome back! Your last session was on {day}, {count} days ago, so we ease back "
            "in: these exercises start one level easier, and sessions from before the break "
            "no longer count towards a step up.",
            days,
        ).format(day=short_day(last_session), count=days)
        + "\n"
        + _level_list(catalogue, moves)
    )


def _level_list(catalogue: Catalogue, moves: tuple[Decision, ...]) -> str:
    lines = []
    for move in moves:
        exercise = catalogue.get(move.exercise)
        if exercise is not None:
            lines.append(f"• {exercise.name}: {level_place(exercise, move.new_level)}")
    return "\n".join(lines)


def ease_off(at_easiest: bool, *, just_moved: bool = False) -> str:
    """How to take it easier next time; at the easiest levels there is no easier version to
    point to, so: fewer reps, a smaller range, rest (`just_moved`: this reply moved them there)."""
    if at_easiest and just_moved:
        return _(
            "Your exercises are now at their easiest level; next time also do fewer reps, move "
            "through a smaller range, and rest when your knee asks for it; stop anything that "
            "feels sharp."
        )
    if at_easiest:
        return _(
            "Your exercises are already at their easiest level, so next time do fewer reps, "
            "move through a smaller range, and rest when your knee asks for it; stop anything "
            "that feels sharp."
        )
    return _(
        "Next time do fewer reps or the easier level shown in 📖, and stop anything that feels "
        "sharp."
    )


def _undo(exercise: Exercise, move: Decision, hard_effort: bool) -> str:
    if move.new_level == 0 and hard_effort:
        return _(
            "↩️ {name} is locked again for now: that session felt hard, so it does not count "
            "towards opening a new exercise."
        ).format(name=exercise.name)
    if move.new_level == 0:
        return _(
            "↩️ {name} is locked again for now: with the corrected score ({scores}), the "
            "reason it opened no longer holds."
        ).format(name=exercise.name, scores=_scores_of(move.evidence))
    where = level_place(exercise, move.new_level)
    if hard_effort:
        return _(
            "↩️ {name} goes back to {where}: that session felt hard, so it does not count "
            "towards a step up."
        ).format(name=exercise.name, where=where)
    return _(
        "↩️ {name} goes back to {where}: with the corrected score ({scores}) the earlier "
        "change no longer holds."
    ).format(name=exercise.name, where=where, scores=_scores_of(move.evidence))


def level_place(exercise: Exercise, level: int) -> str:
    """ "level 2 of 4 (label)", in the current language."""
    return _("level {level} of {total} ({label})").format(
        level=level, total=len(exercise.levels), label=exercise.level(level).label
    )


def out_of_ten(score: int) -> str:
    """A score as "3/10", in the current language."""
    return _("{score}/10").format(score=score)


def _during(evidence: tuple[Scores, ...]) -> str:
    return join_names(
        [out_of_ten(scores.during) for scores in evidence if scores.during is not None]
    )


def _mornings(evidence: tuple[Scores, ...]) -> str:
    return join_names(
        [out_of_ten(scores.morning) for scores in evidence if scores.morning is not None]
    )


def _scores_of(evidence: tuple[Scores, ...]) -> str:
    """'3/10 during, 1/10 the morning after' for the session(s) behind a decision."""
    parts = []
    for scores in evidence:
        if scores.during is not None:
            parts.append(_("{score} during").format(score=out_of_ten(scores.during)))
        if scores.morning is not None:
            parts.append(_("{score} the morning after").format(score=out_of_ten(scores.morning)))
    return ", ".join(parts) or _("no score")


def describe_session(scores: Scores, acceptable_max: int) -> str:
    """A session named by its day and the score that counted: 'pain 7/10 on Mon 30 Nov'."""
    if scores.during is not None and (scores.morning is None or scores.during > acceptable_max):
        return _("{score} on {day}").format(
            score=out_of_ten(scores.during), day=short_day(scores.day)
        )
    if scores.morning is not None:
        return _("{score} the morning after {day}").format(
            score=out_of_ten(scores.morning), day=short_day(scores.day)
        )
    return short_day(scores.day)


def join_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return _("{first} and {last}").format(first=", ".join(names[:-1]), last=names[-1])


# Why a level moved or stayed, as a clinician reads it; {limit} is the top of the acceptable
# pain band.
REASONS = {
    Why.PAIN_FREE: N_("sessions in the safe zone, mornings no worse than usual"),
    Why.TOO_MUCH_PAIN: N_("pain above {limit}/10 during a session"),
    Why.SEVERE_PAIN: N_("severe pain during a session"),
    Why.WORSE_MORNING: N_("next morning clearly worse than usual"),
    Why.HIGH_MORNING: N_("next morning above {limit}/10"),
    Why.ACCEPTABLE_PAIN: N_("pain in the acceptable band"),
    Why.HARD_EFFORT: N_("the session felt hard"),
    Why.WAITING_FOR_SCORES: N_("a score of the session still missing"),
    Why.MORE_SESSIONS: N_("more sessions needed at this level"),
    Why.TOP_LEVEL: N_("already at the hardest level"),
    Why.LOWEST_LEVEL: N_("already at the easiest level"),
    Why.STEPPED_RECENTLY: N_("changed level a short while ago"),
    Why.ONE_AT_A_TIME: N_("another exercise changed first"),
    Why.MORNINGS_HIGH: N_("mornings usually above {limit}/10"),
    Why.ALREADY_LOWER: N_("already lowered since"),
    Why.NOT_IN_SESSION: N_("not in that session"),
    Why.CORRECTED: N_("a corrected score or a later effort answer"),
    Why.FLARE: N_("a day score above {limit}/10 lately"),
    Why.RETURNED: N_("back after a break"),
    Why.EASIEST: N_("the easiest levels chosen instead of a review"),
    Why.CLINICIAN: N_("set by a clinician"),
}


def describe_reason(reason: str, catalogue: Catalogue, by: str | None = None) -> str:
    """A stored reason (Why's value) in words, a clinician's change by their name (`by`);
    a reason this version does not know, as stored."""
    try:
        why = Why(reason)
    except ValueError:
        return reason
    if why is Why.CLINICIAN and by:
        return _("set by {clinician}").format(clinician=by)
    return _(REASONS[why]).format(limit=catalogue.program.pain.acceptable_max)
