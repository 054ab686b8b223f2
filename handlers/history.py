"""/progress (weeks, streak, levels and the pain chart) and /history (the last sessions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

from content.adherence import ProgressSummary, WeekTally
from content.catalogue import Catalogue, Exercise
from content.i18n import _, day_month, decimal, ngettext, short_day
from content.psfs import change
from content.states import SessionStatus
from handlers.checkins import EFFORT_WORDS
from handlers.common import Attachment, Turn, turn_handler
from handlers.knee import GAVE_WAY_WORDS
from handlers.safety import hold_event
from handlers.start import keeps_question
from media.chart import ChartData, chart_labels
from usecases.holds import HoldRecord
from usecases.progress import SessionSummary, history_view, progress_view

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption


@turn_handler
@keeps_question
async def progress(turn: Turn) -> None:
    """/progress: the week tallies, the streak, every exercise's level, and the pain chart once
    there are scores (the text as its caption when it fits)."""
    user, catalogue = turn.user, turn.catalogue
    view = await progress_view(turn.db, catalogue, user, turn.today)
    if view is None:
        turn.say(
            _(
                "Nothing to show yet: your progress starts with your first session. "
                "Send /today to see it, and tap ✅ when you're done."
            )
        )
        return
    held_lines = [_hold_line(catalogue, record) for record in view.holds]
    text = progress_text(view.summary, catalogue, view.levels, held_lines, view.activities)
    if not view.scored:
        turn.say(text + "\n\n" + _("The pain chart appears once you've scored a session's pain."))
        return
    data = ChartData(
        sessions=[(session.day, session.during, session.morning) for session in view.sessions],
        day_scores=sorted(view.day_scores.items()),
        skipped=view.skipped,
        holds=view.held.holds,
        paused=view.held.paused,
        first_day=view.joined,
        today=turn.today,
        language=user.language,
        labels=chart_labels(),
    )
    draw = partial(turn.services.drawing.draw, data, catalogue.program.pain)
    chart = Attachment("photo", "pain-chart.png", draw)
    if len(text) <= CAPTION_LIMIT:
        turn.send_file(chart, text)
    else:
        turn.say(text)
        turn.send_file(chart, _("Your pain over time."))


def progress_text(
    summary: ProgressSummary,
    catalogue: Catalogue,
    levels: dict[str, int],
    holds: Sequence[str] = (),
    activities: Sequence[tuple[date, float]] = (),
) -> str:
    """The text of /progress; the streak target and the pain bands come from the program.
    holds: the holds of the weeks shown, one line each; activities: the functional scale's
    mean of each round."""
    lines = [
        _("📈 Your progress"),
        _("This week: {tally}").format(tally=_tally(summary.this_week)),
    ]
    lines += [
        _("Week of {day}: {tally}").format(day=day_month(week.week_start), tally=_tally(week))
        for week in summary.earlier_weeks
    ]
    lines.append(_streak_line(summary, catalogue.program.progress.streak_sessions))
    lines.append(_("Sessions done in all: {count}").format(count=summary.sessions_done))
    lines.append("\n" + _("Your levels:"))
    lines += _level_lines(catalogue, levels)
    if holds:
        lines.append("\n" + _("Holds in these weeks:"))
        lines += holds
    if activities:
        lines.append("\n" + _activities_line(catalogue, activities))
    pain = catalogue.program.pain
    lines.append(
        "\n"
        + _(
            "Chart: pain during sessions and next mornings; green 0–{safe} is safe, "
            "yellow up to {acceptable} is acceptable, red is too much."
        ).format(safe=pain.safe_max, acceptable=pain.acceptable_max)
    )
    return "\n".join(lines)


def _activities_line(catalogue: Catalogue, rounds: Sequence[tuple[date, float]]) -> str:
    """The functional scale: the latest mean, and the first one with the change since."""
    (first_day, first), (day, latest) = rounds[0], rounds[-1]
    line = _("Everyday activities (/psfs): {mean}/10 on {day}").format(
        mean=decimal(latest), day=day_month(day)
    )
    if len(rounds) == 1:
        return line
    if change(catalogue.program.psfs, first, latest).meaningful:
        since = _("first {mean}/10 on {day}: a change you can feel")
    else:
        since = _("first {mean}/10 on {day}")
    return f"{line} ({since.format(mean=decimal(first), day=day_month(first_day))})"


def _streak_line(summary: ProgressSummary, sessions: int) -> str:
    """The weeks in a row on target, or how a streak starts; the target says what counts."""
    target = ngettext(
        "{count} session a week, or all planned ones in a shorter week",
        "{count} sessions a week, or all planned ones in a shorter week",
        sessions,
    ).format(count=sessions)
    if not summary.streak_weeks:
        return _("Streak: none yet. A week on target ({target}) starts one.").format(target=target)
    return ngettext(
        "🔥 Streak: {count} week in a row on target ({target}).",
        "🔥 Streak: {count} weeks in a row on target ({target}).",
        summary.streak_weeks,
    ).format(count=summary.streak_weeks, target=target)


def _level_lines(catalogue: Catalogue, levels: dict[str, int]) -> list[str]:
    """Every exercise in the catalogue's order: its level, or that it opens later."""
    lines = []
    for exercise in catalogue.exercises:
        level = levels.get(exercise.slug)
        if level is None:
            lines.append(_("🔒 {name}: opens later").format(name=exercise.name))
        else:
            lines.append(level_line(exercise, level))
    return lines


def level_line(exercise: Exercise, level: int) -> str:
    """'• Hip bump: level 2 of 3 (Full range)'."""
    label = exercise.level(level).label
    return _("• {name}: level {level} of {total} ({label})").format(
        name=exercise.name, level=level, total=len(exercise.levels), label=label
    )


def _tally(week: WeekTally) -> str:
    text = ngettext(
        "{done} of {planned} planned sessions",
        "{done} of {planned} planned sessions",
        week.planned,
    ).format(done=week.done, planned=week.planned)
    if week.extra:
        text += " " + ngettext("+ {count} extra", "+ {count} extra", week.extra).format(
            count=week.extra
        )
    return text


@turn_handler
@keeps_question
async def history(turn: Turn) -> None:
    """/history: the last sessions and the day scores given since, newest first."""
    view = await history_view(turn.db, turn.catalogue, turn.user, turn.today)
    sessions, day_scores = view.sessions, view.day_scores
    if not sessions and not day_scores:
        turn.say(_("No sessions logged yet. Send /today to start your first one."))
        return
    if sessions:
        lines = [
            ngettext("🗒 Your session:", "🗒 Your last {count} sessions:", len(sessions)).format(
                count=len(sessions)
            )
        ]
    else:
        lines = [_("🗒 No sessions yet; how your knee was:")]
    entries = [(session.day, 1, _history_line(session)) for session in sessions]
    entries += [
        (
            day,
            0,
            _("{day}: 🦵 knee {score}/10 that day").format(
                day=short_day(day, opening=True), score=score
            ),
        )
        for day, score in day_scores.items()
    ]
    entries += [(record.started, 2, _hold_line(turn.catalogue, record)) for record in view.holds]
    entries += [
        (
            event.day,
            0,
            _("{day}: 🦵 knee gave way ({answer})").format(
                day=short_day(event.day, opening=True), answer=_(GAVE_WAY_WORDS[event.answer])
            ),
        )
        for event in view.knee_events
    ]
    lines += [line for _day, _order, line in sorted(entries, reverse=True)]
    turn.say("\n".join(lines))


def _hold_line(catalogue: Catalogue, record: HoldRecord) -> str:
    """'Wed 25 Nov: 🩺 Advice to see a clinician: …; cleared by a clinician on Sat 28 Nov'."""
    what, how = hold_event(catalogue, record)
    return _("{day}: 🩺 {what}; {how}").format(
        day=short_day(record.started, opening=True), what=what, how=how
    )


def _history_line(session: SessionSummary) -> str:
    day = short_day(session.day, opening=True)
    if session.status != SessionStatus.DONE:
        return _("{day}: ⏭ skipped").format(day=day)
    scores = [
        label.format(score=score)
        for label, score in (
            (_("pain {score}/10"), session.during),
            (_("morning {score}/10"), session.morning),
        )
        if score is not None
    ]
    if session.effort is not None:
        scores.append(_("effort: {effort}").format(effort=_(EFFORT_WORDS[session.effort])))
    if session.partly_done:
        done = ngettext(
            "{day}: ✅ {done} of {count} exercise done",
            "{day}: ✅ {done} of {count} exercises done",
            session.exercises,
        ).format(day=day, done=session.exercises_done, count=session.exercises)
    else:
        done = _("{day}: ✅ done").format(day=day)
    return " · ".join([done, *scores])
