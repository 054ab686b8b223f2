"""/schedule, /pause, /resume, and the reminder's snooze and weekly barrier buttons."""

from __future__ import annotations

from content.catalogue import Moment
from content.i18n import _, clock_time
from handlers.callbacks import Barrier
from handlers.callbacks import Snooze as SnoozeButton
from handlers.common import Button, Turn, turn_handler
from handlers.safety import ask_red_flags
from handlers.start import keeps_question, require_setup, show_schedule_menu
from handlers.views import announce_return
from usecases import schedule
from usecases.schedule import Snooze

# The weekly check-in's barrier that also offers the red-flag screen.
PAIN_BARRIER = "pain"


@turn_handler
async def change_schedule(turn: Turn) -> None:
    """A menu: the days, reminder time, morning-check time and time zone, one button each to
    change it, and Keep; history is untouched."""
    if await require_setup(turn):
        show_schedule_menu(turn)


@turn_handler
@keeps_question
async def pause(turn: Turn) -> None:
    """/pause: no reminders until /resume; the pause is recorded, progress kept."""
    if not await require_setup(turn):
        return
    if not await schedule.pause(turn.db, turn.user, turn.now):
        turn.say(_("Reminders are already paused. Send /resume when you're ready."))
        return
    turn.say(
        _(
            "⏸ Reminders paused: no messages from me until you send /resume. "
            "Your progress is kept. /today still works whenever you want to train."
        )
    )


@turn_handler
@keeps_question
async def resume(turn: Turn) -> None:
    """/resume: reminders from the next slot on; nothing missed during the pause is caught up,
    and after a long break the levels ease back."""
    if not await require_setup(turn):
        return
    resumed = await schedule.resume(turn.db, turn.catalogue, turn.user, turn.now)
    if not resumed.resumed:
        turn.say(_("Reminders are on. /schedule changes the days or the time."))
        return
    turn.say(_("▶️ Reminders are on again from your next training day."))
    if resumed.eased is not None and resumed.eased.moves:
        eased = resumed.eased
        turn.say(announce_return(turn.catalogue, eased.moves, eased.last_session, turn.today))


async def snooze_button(turn: Turn, pressed: SnoozeButton) -> None:
    """⏰ Snooze on today's reminder; a reminder of another day has passed."""
    if pressed.day != turn.today:
        turn.toast = _("That reminder has passed.")
        return
    await snooze_today(turn)


async def snooze_today(turn: Turn) -> None:
    """One more reminder an hour from now, once a day, and only while the day lasts."""
    outcome, due = await schedule.snooze(turn.db, turn.catalogue, turn.user, turn.now)
    clock = clock_time(due.astimezone(turn.local_now.tzinfo).time())
    if outcome is Snooze.LOGGED:
        turn.say(_("Today's session is already logged, so there's nothing to remind you of."))
    elif outcome is Snooze.TOO_LATE:
        turn.toast = _("Too late to snooze today.")
        turn.say(
            _("It's too late in the day for another reminder. /today is here if you want it.")
        )
    elif outcome is Snooze.AGAIN:
        turn.toast = _("Already snoozed once today.")
        turn.say(
            _("You've already snoozed today's reminder once. /today is here when you're ready.")
        )
    else:
        turn.toast = _("⏰ I'll remind you at {time}").format(time=clock)
        turn.say(_("⏰ Okay, I'll remind you again at {time}.").format(time=clock))


async def barrier(turn: Turn, pressed: Barrier) -> None:
    """The weekly check-in's barrier button: store it, give its tip, and for pain offer the
    red-flag screen."""
    found = turn.catalogue.barriers.get(pressed.barrier)
    if found is None or not await schedule.answer_barrier(
        turn.db, turn.user, pressed.week, found.key, turn.now
    ):
        turn.toast = _("That check-in has expired.")
        return
    turn.edit(_("What got in the way: {barrier}").format(barrier=found.label))
    turn.say(_("Thanks for telling me.") + " " + found.tip)
    if found.key == PAIN_BARRIER:
        ask_red_flags(turn, Moment.LATER)


BUTTONS = (
    Button(SnoozeButton, snooze_button),
    Button(Barrier, barrier),
)
