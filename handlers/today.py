"""/today: the user's session for today, and logging it as done or skipped."""

from __future__ import annotations

from datetime import date, timedelta

from content.i18n import _, day_name
from content.program import PlannedExercise
from content.states import SessionEntry, SessionStatus
from handlers.callbacks import Done, Extra, Skip
from handlers.checkins import DURING, ask_pain, record_checkin
from handlers.common import Button, Tap, Turn, turn_handler
from handlers.knee import gentle_line, sore_lately
from handlers.start import keeps_question, require_setup
from handlers.views import announce_return, session_keyboard, session_lines
from scheduler.calendar import is_training_day, next_training_day
from usecases import training
from usecases.training import Logged, ease_back_in, plan_morning_check


async def todays_plan(turn: Turn) -> list[PlannedExercise]:
    """Today's exercises at the user's levels, in program order."""
    return await training.todays_plan(turn.catalogue, turn.user, turn.now)


@turn_handler
@keeps_question
async def today(turn: Turn) -> None:
    """Show today's session with done / skip / how-to buttons."""
    if await require_setup(turn):
        await show_today(turn)


async def today_button(turn: Turn) -> None:
    """The "Today's session" button: /today, once setup is done."""
    if await require_setup(turn):
        await show_today(turn)


async def welcome_back(turn: Turn) -> None:
    """Back after a break: ease the levels back one, once, and say so first."""
    eased = await ease_back_in(turn.db, turn.catalogue, turn.user, turn.now)
    if eased is not None and eased.moves:
        turn.say(announce_return(turn.catalogue, eased.moves, eased.last_session, turn.today))


async def show_today(turn: Turn) -> None:
    """Today's plan with its buttons, or what is already logged; a rest day says when the next
    training day is and still offers the session."""
    await welcome_back(turn)
    plan = await todays_plan(turn)
    day = turn.today
    day_log = await training.day_log(turn.db, turn.user, day)
    logged = day_log.status
    lines = [_headline(turn, day)]
    if day_log.stopped:
        lines.append(
            _(
                "✅ Today's session is logged, and your knee needs rest for the rest of today. "
                "Here it is for reference:"
            )
        )
    elif logged == SessionStatus.DONE:
        lines.append(_("✅ Today's session is done. Well done! Here it is for reference:"))
    elif logged is not None:
        lines.append(_("You skipped today. Changed your mind? You can still do it."))
    if logged != SessionStatus.DONE and await sore_lately(turn):
        lines.append(gentle_line(turn.catalogue, plan))
    lines.append("")
    lines += session_lines(plan)
    keyboard = session_keyboard(day, plan, loggable=logged != SessionStatus.DONE)
    turn.say("\n".join(lines), keyboard)


def _headline(turn: Turn, day: date) -> str:
    weekdays = turn.user.weekdays
    label = day_name(day, opening=True)
    if is_training_day(weekdays, day):
        return _("📋 {day}: training day.").format(day=label)
    upcoming = next_training_day(weekdays, day)
    later = day_name(upcoming) if upcoming else _("not set (see /start)")
    return _(
        "📋 {day}: a rest day. Your next training day is {next}. "
        "You can still train today if you feel like it."
    ).format(day=label, next=later)


def _session_day(turn: Turn, day: date) -> date | None:
    """The day a button refers to, if it is today or yesterday (a late tap still counts)."""
    if not turn.today - timedelta(days=1) <= day <= turn.today:
        turn.toast = _("That session has passed. Send /today for today's.")
        return None
    return day


async def done_button(turn: Turn, pressed: Done) -> None:
    """✅ on a session of today or yesterday: log it as done."""
    if await require_setup(turn) and (day := _session_day(turn, pressed.day)):
        await mark_done(turn, day)


async def skip_button(turn: Turn, pressed: Skip) -> None:
    """⏭ on a session of today or yesterday: log it as skipped."""
    if await require_setup(turn) and (day := _session_day(turn, pressed.day)):
        await mark_skipped(turn, day)


async def _log(
    turn: Turn, day: date, status: SessionStatus, left_out: frozenset[str] = frozenset()
) -> Logged:
    entry = SessionEntry(day, status, left_out)
    return await training.log_session(turn.db, turn.catalogue, turn.user, entry, turn.now)


async def mark_done(
    turn: Turn, day: date, left_out: frozenset[str] = frozenset(), score: int | None = None
) -> None:
    """Log the session as done (with the exercises left out, if any were named), then ask for
    the pain during it, or record it when it came with the message ("done, pain 3"): then the
    logged line opens the score's reply, and praises only when that reply carries on."""
    await welcome_back(turn)
    logged = await _log(turn, day, SessionStatus.DONE, left_out)
    if not logged.changed:
        turn.toast = _("Already logged ✅")
        turn.say(_("That session is already logged as done. ✅"))
        if score is not None:
            await record_checkin(turn, DURING, day, score, session=logged.session)
        return
    await plan_morning_check(turn.db, turn.user, day, turn.now)
    turn.toast = _("Logged ✅")
    done = [item.exercise.name for item in logged.plan if item.exercise.slug not in left_out]

    def logged_line(praise: bool) -> str:
        if len(done) == len(logged.plan):
            line = _("✅ Logged: {count} exercises done.").format(count=len(logged.plan))
        else:
            line = _("✅ Logged: {done} of {count} exercises done ({names}).").format(
                done=len(done), count=len(logged.plan), names=", ".join(done) or "-"
            )
        return line + " " + _("Great work!") if praise else line

    if score is None:
        turn.say(logged_line(praise=True))
        ask_pain(turn, day)
    else:
        await record_checkin(turn, DURING, day, score, logged_line, logged.session)


async def done_text(
    turn: Turn, left_out: frozenset[str] = frozenset(), score: int | None = None
) -> None:
    """A typed "done": on a rest day, ask first whether to log an extra session."""
    day = turn.today
    training_day = is_training_day(turn.user.weekdays, day)
    if training_day or await training.logged_on(turn.db, turn.user, day) is not None:
        await mark_done(turn, day, left_out, score)
        return
    turn.say(
        _("Today is a rest day. Log an extra session today?"),
        [[(_("✅ Yes, log it"), Extra(day, score).data()), (_("No"), "noextra")]],
    )


async def extra_yes(turn: Turn, pressed: Extra) -> None:
    """ "Yes" to an extra session on a rest day: log it as done, with the typed score if any."""
    if await require_setup(turn) and (day := _session_day(turn, pressed.day)):
        turn.edit(_("An extra session today. 💪"))
        await mark_done(turn, day, score=pressed.score)


async def extra_no(turn: Turn) -> None:
    """ "No" to an extra session on a rest day: nothing is logged."""
    turn.edit(_("Nothing logged. Enjoy your rest day!"))


async def mark_skipped(turn: Turn, day: date) -> None:
    """Log the day's session as skipped; a rest day has nothing to skip and a logged session
    stays as it is."""
    if not is_training_day(turn.user.weekdays, day):
        upcoming = next_training_day(turn.user.weekdays, day)
        turn.toast = _("A rest day")
        turn.say(
            _("That's a rest day anyway, so there's nothing to skip. Next up: {when}.").format(
                when=day_name(upcoming) if upcoming else "-"
            )
        )
        return
    logged = await _log(turn, day, SessionStatus.SKIPPED)
    if not logged.changed:
        turn.toast = _("Already logged")
        done = logged.status == SessionStatus.DONE
        turn.say(_("You already did that session. ✅") if done else _("Already noted as skipped."))
        return
    upcoming = next_training_day(turn.user.weekdays, day)
    when = day_name(upcoming) if upcoming else _("whenever you're ready")
    turn.toast = _("Skipped")
    turn.say(_("⏭ No problem, today is skipped. Rest well; next up: {when}.").format(when=when))


BUTTONS = (
    Tap("today", today_button),
    Button(Done, done_button),
    Button(Skip, skip_button),
    Button(Extra, extra_yes),
    Tap("noextra", extra_no),
)
