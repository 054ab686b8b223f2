"""/progress (weeks, streak, levels and the pain chart) and /history (the last sessions)."""

from __future__ import annotations

from datetime import date
from functools import partial

from content.adherence import ProgressSummary, WeekTally, summarize
from content.catalogue import Catalogue
from content.i18n import _
from handlers.checkins import EFFORT_WORDS
from handlers.common import Attachment, Turn, turn_handler
from scheduler.slots import local_day
from storage import training
from storage.states import SessionStatus

SHORT_DAY = "%a %d %b"
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption


@turn_handler
async def progress(turn: Turn) -> None:
    user, catalogue = turn.user, turn.services.catalogue
    sessions = await training.sessions_with_pain(turn.db, user.id, done_only=True)
    if not sessions:
        turn.say(
            "Nothing to show yet: your progress starts with your first session. "
            "Send /today to see it, and tap ✅ when you're done."
        )
        return
    summary = summarize(
        [session.day for session in sessions],
        user.weekdays,
        local_day(user.created_at, user.timezone),
        turn.today,
        catalogue.program.progress,
    )
    levels = await training.levels_of(turn.db, user.id)
    text = progress_text(summary, catalogue, levels)
    points = [(session.day, session.during, session.morning) for session in reversed(sessions)]
    if not any(during is not None or morning is not None for _day, during, morning in points):
        turn.say(f"{text}\n\nThe pain chart appears once you've scored a session's pain.")
        return
    draw = partial(turn.services.charts.draw, points, catalogue.program.pain)
    chart = Attachment("photo", "pain-chart.png", draw)
    if len(text) <= CAPTION_LIMIT:
        turn.send_file(chart, text)
    else:
        turn.say(text)
        turn.send_file(chart, "Your pain over time.")


def progress_text(summary: ProgressSummary, catalogue: Catalogue, levels: dict[str, int]) -> str:
    report = catalogue.program.progress
    lines = [
        "📈 Your progress",
        f"This week: {_tally(summary.this_week)}",
    ]
    lines += [
        f"Week of {week.week_start.strftime('%d %b')}: {_tally(week)}"
        for week in summary.earlier_weeks
    ]
    target = f"{report.streak_sessions} sessions a week, or all planned ones in a shorter week"
    if summary.streak_weeks:
        weeks = "week" if summary.streak_weeks == 1 else "weeks"
        lines.append(f"🔥 Streak: {summary.streak_weeks} {weeks} in a row on target ({target}).")
    else:
        lines.append(f"Streak: none yet. A week on target ({target}) starts one.")
    lines.append(f"Sessions done in all: {summary.sessions_done}")
    lines.append("\nYour levels:")
    for exercise in catalogue.exercises:
        level = levels.get(exercise.slug)
        if level is None:
            lines.append(f"🔒 {exercise.name}: opens later")
        else:
            label = exercise.level(level).label
            lines.append(f"• {exercise.name}: level {level} of {len(exercise.levels)} ({label})")
    pain = catalogue.program.pain
    lines.append(
        f"\nChart: pain during sessions and next mornings; green 0–{pain.safe_max} is safe, "
        f"yellow up to {pain.acceptable_max} is acceptable, red is too much."
    )
    return "\n".join(lines)


def _tally(week: WeekTally) -> str:
    return f"{week.done} of {week.planned} planned sessions"


@turn_handler
async def history(turn: Turn) -> None:
    limit = turn.services.catalogue.program.progress.history_sessions
    sessions = await training.sessions_with_pain(turn.db, turn.user.id, limit=limit)
    if not sessions:
        turn.say("No sessions logged yet. Send /today to start your first one.")
        return
    lines = [f"🗒 Your last {len(sessions)} sessions:" if len(sessions) > 1 else "🗒 Your session:"]
    lines += [_history_line(session) for session in sessions]
    turn.say("\n".join(lines))


def _history_line(session: training.SessionSummary) -> str:
    day: date = session.day
    if session.status != SessionStatus.DONE:
        return f"{day.strftime(SHORT_DAY)}: ⏭ skipped"
    scores = [
        f"{label} {score}/10"
        for label, score in (("pain", session.during), ("morning", session.morning))
        if score is not None
    ]
    if session.effort is not None:
        scores.append(_("effort: {effort}").format(effort=_(EFFORT_WORDS[session.effort])))
    return " · ".join([f"{day.strftime(SHORT_DAY)}: ✅ done", *scores])
