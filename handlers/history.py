"""/progress (weeks, streak, levels and the pain chart) and /history (the last sessions)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from content.adherence import ProgressSummary, WeekTally, summarize
from content.catalogue import Catalogue
from content.i18n import _, ngettext
from handlers.checkins import EFFORT_WORDS
from handlers.common import Attachment, Turn, turn_handler
from handlers.media.chart import ChartData
from handlers.start import keeps_question
from scheduler.slots import local_day
from storage import people, training
from storage.states import SessionStatus

SHORT_DAY = "%a %d %b"
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption


@turn_handler
@keeps_question
async def progress(turn: Turn) -> None:
    """/progress: the week tallies, the streak, every exercise's level, and the pain chart once
    there are scores (the text as its caption when it fits)."""
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
    joined = local_day(user.created_at, user.timezone)
    day_scores = await training.day_scores(
        turn.db, user.id, user.timezone, joined, turn.today + timedelta(days=1)
    )
    scored = any(during is not None or morning is not None for _day, during, morning in points)
    if not scored and not day_scores:
        turn.say(f"{text}\n\nThe pain chart appears once you've scored a session's pain.")
        return
    data = ChartData(
        sessions=points,
        day_scores=sorted(day_scores.items()),
        skipped=await training.skipped_days(turn.db, user.id),
        holds=await _holds(turn),
        first_day=joined,
        today=turn.today,
        language=user.language,
    )
    draw = partial(turn.services.charts.draw, data, catalogue.program.pain)
    chart = Attachment("photo", "pain-chart.png", draw)
    if len(text) <= CAPTION_LIMIT:
        turn.send_file(chart, text)
    else:
        turn.say(text)
        turn.send_file(chart, "Your pain over time.")


async def _holds(turn: Turn) -> list[tuple[date, date]]:
    """Paused periods, and a red-flag hold still on, as first and last local day."""
    zone = turn.user.timezone
    holds = [
        (local_day(pause.started_at, zone), local_day(pause.ended_at or turn.now, zone))
        for pause in await people.pauses_of(turn.db, turn.user.id)
    ]
    if turn.user.red_flag_reported_at is not None:
        holds.append((local_day(turn.user.red_flag_reported_at, zone), turn.today))
    return holds


def progress_text(summary: ProgressSummary, catalogue: Catalogue, levels: dict[str, int]) -> str:
    """The text of /progress; the streak target and the pain bands come from the program."""
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
    text = f"{week.done} of {week.planned} planned sessions"
    if week.extra:
        text += " " + ngettext("+ {count} extra", "+ {count} extra", week.extra).format(
            count=week.extra
        )
    return text


@turn_handler
@keeps_question
async def history(turn: Turn) -> None:
    """/history: the last sessions and the day scores given since, newest first."""
    user = turn.user
    limit = turn.services.catalogue.program.progress.history_sessions
    sessions = await training.sessions_with_pain(turn.db, user.id, limit=limit)
    since = (
        sessions[-1].day if len(sessions) == limit else local_day(user.created_at, user.timezone)
    )
    day_scores = await training.day_scores(
        turn.db, user.id, user.timezone, since, turn.today + timedelta(days=1)
    )
    if not sessions and not day_scores:
        turn.say("No sessions logged yet. Send /today to start your first one.")
        return
    if sessions:
        lines = [
            f"🗒 Your last {len(sessions)} sessions:" if len(sessions) > 1 else "🗒 Your session:"
        ]
    else:
        lines = [_("🗒 No sessions yet; how your knee was:")]
    entries = [(session.day, 1, _history_line(session)) for session in sessions]
    entries += [
        (
            day,
            0,
            _("{day}: 🦵 knee {score}/10 that day").format(
                day=day.strftime(SHORT_DAY), score=score
            ),
        )
        for day, score in day_scores.items()
    ]
    lines += [line for _day, _order, line in sorted(entries, reverse=True)]
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
