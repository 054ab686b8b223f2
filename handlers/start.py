"""/start: welcome, disclaimer, red-flag screen, then time zone, training days and reminder time.

Every step is stored on the user's row, so a restart or a second replica continues where the
person left off, and running /start again never loses their history.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from functools import wraps

from content.catalogue import NONE_OF_THESE
from content.i18n import (
    N_,
    _,
    clock_time,
    day_name,
    ngettext,
    weekday_abbreviations,
    zone_name,
)
from content.states import SETUP_QUESTIONS, Awaiting, OnboardingStep, Question
from content.understanding import is_bare_midnight, parse_days, parse_time, reads_as_words
from handlers.callbacks import (
    ROUND_BUTTON,
    Days,
    MenuChoice,
    MorningTime,
    RedFlag,
    ReminderTime,
    Retime,
    SaveDays,
    ScheduleMenu,
    Setting,
    TimeZone,
)
from handlers.common import Button, Keyboard, Tap, Turn, turn_handler
from handlers.safety import ask_red_flags, hold_notice, moment_of, report_flag
from handlers.views import ease_off
from scheduler.calendar import days_to_mask, describe_days, mask_to_days
from scheduler.slots import next_daily_slot
from scheduler.timezones import describe_zone, is_valid_zone, resolve_timezone, timezone_at
from usecases import clinicians, psfs, training
from usecases.safety import Clearing, clear, none_of_these
from usecases.training import move_morning_checks, restart_pushes

TIME_CHOICES = tuple(time(hour) for hour in (7, 8, 12, 17, 18, 19, 20))
MORNING_CHOICES = tuple(time(hour) for hour in (6, 7, 8, 9, 10))
ASK_TIMEZONE = N_(
    "Which time zone are you in? Tap 📍 below to share your location (it is used only for "
    "the time zone and not stored), or type your city (for example Berlin or New York), a "
    "zone such as CET or IST, or a UTC offset such as +1 or UTC-5."
)


async def require_setup(turn: Turn, *, training: bool = True) -> bool:
    """True when the user may train (or, not `training`, report how the knee is: a hold does
    not stop that); otherwise says what is missing (a hold, or setup) and asks it again."""
    if training and turn.user.on_hold:
        await hold_notice(turn)
        return False
    if turn.user.onboarded:
        return True
    if turn.user.onboarding_step == OnboardingStep.DISCLAIMER and not turn.asked_setup:
        welcome(turn)
        return False
    turn.say(_("Let's finish setting you up first: one question is still open."))
    ask_setup_step(turn)
    return False


def ask_setup_step(turn: Turn) -> None:
    """Ask again whatever setup question is pending (the disclaimer, the red-flag screen, the
    time zone, the days, the reminder time or the morning time)."""
    turn.asked_setup = True
    user = turn.user
    awaiting = user.awaiting
    if not user.onboarded and user.onboarding_step == OnboardingStep.DISCLAIMER:
        _disclaimer(turn, _("Before we start, please read this and tap ✅ I understand:"))
    elif not user.onboarded and user.onboarding_step == OnboardingStep.RED_FLAGS:
        ask_red_flags(turn)
    elif awaiting == Awaiting(Question.DAYS):
        ask_days(turn)
    elif awaiting == Awaiting(Question.REMINDER_TIME):
        ask_reminder_time(turn)
    elif awaiting == Awaiting(Question.MORNING_TIME):
        ask_morning_time(turn)
    elif awaiting == Awaiting(Question.TIMEZONE) or not user.onboarded:
        ask_timezone(turn)


def keeps_question(
    handler: Callable[[Turn], Awaitable[None]],
) -> Callable[[Turn], Awaitable[None]]:
    """A command sent while a setup question is pending is handled, and the question is asked
    again afterwards, so nobody is left in a step they cannot see."""

    @wraps(handler)
    async def run(turn: Turn) -> None:
        before = (turn.user.onboarding_step, turn.user.awaiting)
        await handler(turn)
        user = turn.user
        started = user.onboarding_step != OnboardingStep.DISCLAIMER or user.awaiting is not None
        setup_open = not user.onboarded and started
        pending = setup_open or user.awaiting in {Awaiting(q) for q in SETUP_QUESTIONS}
        unchanged = (user.onboarding_step, user.awaiting) == before
        if pending and unchanged and not user.on_hold and not turn.asked_setup:
            ask_setup_step(turn)

    return run


def _disclaimer(turn: Turn, lead: str) -> None:
    safety = turn.catalogue.safety
    turn.say(f"{lead}\n\n{safety.disclaimer}", [[(_("✅ I understand"), "disclaimer")]])


def welcome(turn: Turn) -> None:
    """The first message: who Knee Coach is, and the disclaimer to acknowledge."""
    turn.asked_setup = True
    user = turn.user
    user.onboarding_step = OnboardingStep.DISCLAIMER
    user.awaiting = None
    name = user.first_name or _("there")
    _disclaimer(
        turn,
        _(
            "Hi {name}, I'm Knee Coach. I'll guide you through short home exercises for your "
            "knee, remind you on your training days and adjust the program to how your knee "
            "feels."
        ).format(name=name),
    )


async def greet(turn: Turn) -> None:
    """/start without a link: welcome; a returning user keeps everything and may change
    settings. (handlers.sharing reads the link a /start may carry first.)"""
    user = turn.user
    name = user.first_name or _("there")
    if user.on_hold:
        await hold_notice(turn)
        return
    if user.onboarded:
        turn.say(
            _("Welcome back, {name}! Your program and history are all still here.").format(
                name=name
            )
            + "\n"
            + _schedule_summary(turn),
            [[(_("📋 Today's session"), "today"), (_("⚙️ Change schedule"), "setup")]],
        )
        user.awaiting = None
        turn.asked_setup = True
        return
    welcome(turn)


async def accept_disclaimer(turn: Turn) -> None:
    """The disclaimer is acknowledged: on to the red-flag screen."""
    user = turn.user
    if user.onboarding_step != OnboardingStep.DISCLAIMER or user.on_hold:
        turn.toast = _("Already noted.")
        return
    user.disclaimer_accepted_at = turn.now
    user.onboarding_step = OnboardingStep.RED_FLAGS
    # A new message: the disclaimer stays readable in the chat.
    turn.say(_("Thanks for reading that. ✅"))
    ask_red_flags(turn)


async def answer_red_flags(turn: Turn, pressed: RedFlag) -> None:
    """The screen's answer, wherever it was asked: at /start, after severe pain, at the weekly
    check-in, on /redflags. A flag puts the program on hold; "None of these" carries on."""
    user, key = turn.user, pressed.flag
    safety = turn.catalogue.safety
    if key == "no":  # the old screen's "No, none apply"
        key = NONE_OF_THESE
    if key != NONE_OF_THESE and key != "yes" and safety.flag(key) is None:
        turn.toast = _("That button has expired.")
        return
    if key != NONE_OF_THESE:
        await report_flag(turn, key)
        return
    await none_of_these(turn.db, user, moment_of(turn), turn.now)
    if user.on_hold:
        turn.edit(_("None of these applies right now."))
        await hold_notice(turn)
    elif user.onboarding_step == OnboardingStep.RED_FLAGS:
        user.onboarding_step = OnboardingStep.TIMEZONE
        turn.edit(_("Good: none of the warning signs apply."))
        ask_timezone(turn)
    else:
        turn.edit(_("Good: none of the warning signs apply."))
        easiest = await training.at_easiest(user)
        turn.say(_("If your knee hurts a lot, rest it today.") + " " + ease_off(easiest))


async def cleared(turn: Turn) -> None:
    """The user confirms a clinician checked them: every hold ends and the program picks up
    where it stopped (earlier regressions stop counting). After an emergency or same-day flag
    not on the day it was tapped: a doctor must have seen them first."""
    user = turn.user
    hours = turn.catalogue.program.reminders.weekly_checkin_after_hours
    outcome = await clear(turn.db, turn.catalogue, user, turn.now, timedelta(hours=hours))
    if outcome.result is Clearing.NOT_HELD:
        turn.toast = _("Nothing is on hold.")
        return
    if outcome.result is Clearing.TOO_SOON:
        assert outcome.clearable_from is not None
        turn.toast = _("Not yet: a doctor first.")
        turn.say(
            _(
                "Please get seen by a doctor first. Once they've said you can exercise, tap "
                "the button under /today from {day} on."
            ).format(day=day_name(outcome.clearable_from))
        )
        return
    turn.edit(_("✅ Checked by a clinician: good to hear."))
    if user.onboarded:
        start_gently = (
            _("Start gently: fewer reps and a smaller range at first.")
            if await training.at_easiest(user)
            else _("Start gently: the easier level of each exercise is in 📖.")
        )
        turn.say(
            _("Welcome back! Reminders are on again from your next training day.")
            + " "
            + start_gently,
            [[(_("📋 Today's session"), "today")]],
        )
    elif user.onboarding_step == OnboardingStep.RED_FLAGS:
        user.onboarding_step = OnboardingStep.TIMEZONE
        ask_timezone(turn)
    else:
        turn.say(_("Send /start to set up your program."))


async def change_schedule(turn: Turn) -> None:
    """The "change schedule" button: the schedule menu, once setup is done."""
    if not turn.user.onboarded:
        turn.toast = _("Send /start to set up first.")
        return
    show_schedule_menu(turn)


def show_schedule_menu(turn: Turn) -> None:
    """The settings as they are, one button per thing to change, and Keep."""
    turn.user.awaiting = None
    turn.asked_setup = True
    turn.say(
        _("⚙️ Your schedule now:\n{summary}\n\nWhat would you like to change?").format(
            summary=schedule_lines(turn)
        ),
        [
            [
                (_("📅 Training days"), ScheduleMenu(MenuChoice.DAYS).data()),
                (_("⏰ Reminder time"), ScheduleMenu(MenuChoice.REMINDER_TIME).data()),
            ],
            [
                (_("🌅 Morning check"), ScheduleMenu(MenuChoice.MORNING_TIME).data()),
                (_("🌍 Time zone"), ScheduleMenu(MenuChoice.ZONE).data()),
            ],
            [(_("👍 Keep it as it is"), ScheduleMenu(MenuChoice.KEEP).data())],
        ],
    )


async def schedule_menu_button(turn: Turn, pressed: ScheduleMenu) -> None:
    """One choice of the schedule menu: keep, or ask for the days, a time or the time zone."""
    if not turn.user.onboarded:
        turn.toast = _("Send /start to set up first.")
        return
    choice = pressed.choice
    if choice is MenuChoice.KEEP:
        turn.user.awaiting = None
        turn.edit(
            _("👍 Your schedule stays as it is.\n{summary}").format(summary=schedule_lines(turn))
        )
    elif choice is MenuChoice.DAYS:
        ask_days(turn)
    elif choice is MenuChoice.REMINDER_TIME:
        ask_reminder_time(turn)
    elif choice is MenuChoice.MORNING_TIME:
        ask_morning_time(turn)
    else:
        ask_timezone(turn)


def ask_timezone(turn: Turn) -> None:
    """Ask for the time zone, with a button that shares the location."""
    turn.user.awaiting = Awaiting(Question.TIMEZONE)
    turn.ask_location(_(ASK_TIMEZONE))


@turn_handler
async def location(turn: Turn) -> None:
    """A shared location pin answers the time-zone question; its coordinates are not kept."""
    message = turn.update.effective_message
    pin = message.location if message else None
    if turn.user.awaiting != Awaiting(Question.TIMEZONE) or pin is None:
        turn.say(
            _(
                "Thanks, but I only use a location to set your time zone. "
                "Send /schedule if you want to change it."
            )
        )
        return
    zone = timezone_at(pin.latitude, pin.longitude)
    if zone is None:
        turn.say(
            _(
                "I couldn't tell the time zone from that spot. Please type your nearest city "
                "or a UTC offset such as +2."
            )
        )
        return
    await _set_timezone(turn, zone)


async def timezone_text(turn: Turn, text: str) -> None:
    """The user typed a place, a zone or an offset in answer to the time-zone question. Only
    that is saved: words of the conversation ("no", "hola"), a bare number or anything else
    are no place, and the question is asked again; a name places in several zones share
    offers those zones."""
    reply = reads_as_words(text)
    choices = [] if reply else resolve_timezone(text, turn.now)
    if not choices:
        turn.say(
            _(
                "I couldn't find that place. Try the nearest big city (for example Paris), "
                "a zone such as CET, or a UTC offset such as +2."
            )
        )
        ask_timezone(turn)
        return
    if len(choices) == 1:
        await _set_timezone(turn, choices[0])
        return
    turn.say(
        _("Which of these is yours?"),
        [[(describe_zone(zone, turn.now), TimeZone(zone).data())] for zone in choices],
    )


async def choose_timezone(turn: Turn, pressed: TimeZone) -> None:
    """A time-zone button offered for a typed place; it counts only while that is asked."""
    if not _past_screen(turn):
        return
    if not is_valid_zone(pressed.zone):
        turn.toast = _("I don't know that time zone.")
        return
    if turn.user.awaiting != Awaiting(Question.TIMEZONE):
        turn.toast = _("That question has passed. Send /schedule to change your time zone.")
        return
    turn.edit(_("Time zone: {zone}").format(zone=zone_name(pressed.zone)))
    await _set_timezone(turn, pressed.zone)


async def _set_timezone(turn: Turn, zone: str) -> None:
    """The time-zone step is answered: saved now, and setup goes on to the days."""
    user = turn.user
    user.timezone = zone
    clock = clock_time(turn.local_now.time())
    turn.say_and_clear_keyboard(
        _("Got it: {zone} (it's {clock} there now).").format(zone=zone_name(zone), clock=clock)
    )
    if user.onboarded:
        await _saved(turn)
    else:
        ask_days(turn)


def ask_days(turn: Turn) -> None:
    """Ask for the training days: toggle buttons starting from the current days."""
    turn.user.awaiting = Awaiting(Question.DAYS)
    mask = days_to_mask(turn.user.weekdays)
    turn.say(_days_prompt(turn, mask), _days_keyboard(mask))


def _days_prompt(turn: Turn, mask: int) -> str:
    program = turn.catalogue.program
    return _(
        "Which days will you train? Three days a week works best. "
        "Pick {low} to {high} days, then tap Save.\nChosen: {days}"
    ).format(
        low=program.min_training_days,
        high=program.max_training_days,
        days=describe_days(mask_to_days(mask)),
    )


def _days_keyboard(mask: int) -> Keyboard:
    buttons = [
        (f"{'✅ ' if mask & (1 << day) else ''}{label}", Days(mask ^ (1 << day)).data())
        for day, label in enumerate(weekday_abbreviations())
    ]
    return [buttons[:4], buttons[4:], [(_("💾 Save days"), SaveDays(mask).data())]]


async def toggle_day(turn: Turn, pressed: Days) -> None:
    """A day toggled on the days screen: redraw it with the new mask (nothing saved yet)."""
    mask = pressed.mask
    if not _past_screen(turn) or mask > 127:
        turn.toast = turn.toast or _("That button has expired.")
        return
    turn.edit(_days_prompt(turn, mask), _days_keyboard(mask))


async def save_days(turn: Turn, pressed: SaveDays) -> None:
    """Save the days picked (within the program's min and max), then go on with setup."""
    if not _past_screen(turn):
        return
    await _save_days(turn, mask_to_days(pressed.mask), typed=False)


async def days_text(turn: Turn, text: str) -> bool:
    """Training days typed as weekday names ('пн, ср, пт', 'lunes y jueves'); False when the
    text names no days."""
    days = parse_days(text, turn.user.language)
    if days is None:
        return False
    await _save_days(turn, days, typed=True)
    return True


async def _save_days(turn: Turn, days: tuple[int, ...], *, typed: bool) -> None:
    program = turn.catalogue.program
    if not program.min_training_days <= len(days) <= program.max_training_days:
        wrong = _("Please pick {low} to {high} days.").format(
            low=program.min_training_days, high=program.max_training_days
        )
        if typed:
            turn.say(wrong)
            ask_days(turn)
        else:
            turn.toast = wrong
        return
    turn.user.training_days = ",".join(str(day) for day in days)
    saved = _("Training days: {days}").format(days=describe_days(days))
    if typed:
        turn.say(saved)
    else:
        turn.edit(saved)
    if turn.user.onboarded:
        await _saved(turn)
    else:
        ask_reminder_time(turn)


def ask_reminder_time(turn: Turn) -> None:
    """Ask for the reminder time: buttons, or a typed time."""
    turn.user.awaiting = Awaiting(Question.REMINDER_TIME)
    turn.say(
        _("What time should I remind you on training days? Tap a time or type one, like 7:30."),
        [
            [(clock_time(at), ReminderTime(at).data()) for at in TIME_CHOICES[:4]],
            [(clock_time(at), ReminderTime(at).data()) for at in TIME_CHOICES[4:]],
        ],
    )


def ask_morning_time(turn: Turn) -> None:
    """Ask for the morning check time: buttons, or a typed time."""
    turn.user.awaiting = Awaiting(Question.MORNING_TIME)
    turn.say(
        _(
            "The morning after a session I'll ask how your knee is. What time suits you in "
            "the morning? Tap a time or type one, like 8:30."
        ),
        [[(clock_time(at), MorningTime(at).data()) for at in MORNING_CHOICES]],
    )


async def choose_time(turn: Turn, pressed: ReminderTime) -> None:
    """A reminder-time button."""
    await _time_button(turn, pressed.at, Question.REMINDER_TIME)


async def choose_morning_time(turn: Turn, pressed: MorningTime) -> None:
    """A morning-check-time button."""
    await _time_button(turn, pressed.at, Question.MORNING_TIME)


async def _time_button(turn: Turn, chosen: time, question: Question) -> None:
    if not _past_screen(turn):
        return
    if turn.user.awaiting != Awaiting(question):
        turn.toast = _("That question has passed. Send /schedule to change it.")
        return
    label = (
        _("Reminder time: {time}")
        if question == Question.REMINDER_TIME
        else _("Morning check: {time}")
    )
    turn.edit(label.format(time=clock_time(chosen)))
    await _set_time(turn, question, chosen)


async def retime(turn: Turn, pressed: Retime) -> None:
    """'No, another time' after 'Did you mean midnight?'."""
    if not _past_screen(turn):
        return
    turn.edit(_("No problem."))
    if pressed.setting is Setting.MORNING_TIME:
        ask_morning_time(turn)
    else:
        ask_reminder_time(turn)


async def time_text(turn: Turn, text: str, question: Question = Question.REMINDER_TIME) -> None:
    """A typed time for the reminder or the morning check."""
    chosen = parse_time(text, turn.user.language)
    if chosen is None:
        turn.say(_("I didn't understand that time. Please send it like 7:30, 18:00, 6pm or noon."))
        return
    if is_bare_midnight(text) and question == Question.REMINDER_TIME:
        # A morning check is never at midnight: that answer gets the morning range instead.
        turn.say(
            _("Did you mean midnight? 🌙"),
            [
                [
                    (_("Yes, midnight"), ReminderTime(time(0)).data()),
                    (_("No, another time"), Retime(Setting.REMINDER_TIME).data()),
                ]
            ],
        )
        return
    await _set_time(turn, question, chosen)


async def _set_time(turn: Turn, question: Question, chosen: time) -> None:
    user = turn.user
    if question == Question.MORNING_TIME:
        reminders = turn.catalogue.program.reminders
        if not reminders.is_morning(chosen):
            turn.say(
                _(
                    "{time} isn't a morning time. The morning check needs a time between "
                    "{earliest} and {latest}."
                ).format(
                    time=clock_time(chosen),
                    earliest=clock_time(reminders.morning_earliest),
                    latest=clock_time(reminders.morning_latest),
                )
            )
            ask_morning_time(turn)
            return
        user.morning_time = chosen
        if user.onboarded:
            await _saved(turn)
        else:
            await _finish(turn)
        return
    user.reminder_time = chosen
    if user.onboarded:
        await _saved(turn)
    else:
        ask_morning_time(turn)


async def _saved(turn: Turn) -> None:
    """One setting changed from /schedule: kept, and reminders re-planned from now."""
    user = turn.user
    user.awaiting = None
    await restart(turn)
    await move_morning_checks(turn.db, user, turn.now)
    turn.say(_("Saved. {summary}").format(summary=schedule_lines(turn)))


async def _finish(turn: Turn) -> None:
    user = turn.user
    user.awaiting = None
    user.next_slot_at = first_slot(turn)
    user.onboarding_step = OnboardingStep.DONE
    catalogue = turn.catalogue
    await training.start_program(catalogue, user, turn.now)
    turn.say(
        _(
            "You're all set! {summary}\n\nYour first session is ready: tap below or send /today."
        ).format(summary=schedule_lines(turn)),
        [[(_("📋 Today's session"), "today")]],
    )
    clinician = await clinicians.current_clinician(turn.db, user)
    if clinician is not None:  # they opened an invite before setting up
        await offer_activities(turn, clinician.name)


async def offer_activities(turn: Turn, clinician_name: str) -> None:
    """At linking with a clinician (or at the end of setup, for someone who linked first), the
    first round of the functional scale: the clinician's baseline. Once only."""
    if not await psfs.baseline_missing(turn.db, turn.user):
        return
    days = turn.catalogue.program.psfs.repeat_every_days
    turn.say(
        ngettext(
            "{name} will also want to know which everyday activities your knee makes hard, "
            "and how hard: it takes a minute, and I ask again every {count} day.",
            "{name} will also want to know which everyday activities your knee makes hard, "
            "and how hard: it takes a minute, and I ask again every {count} days.",
            days,
        ).format(name=clinician_name, count=days),
        [[(_("📝 Rate my activities"), ROUND_BUTTON)]],
    )


async def restart(turn: Turn) -> None:
    """Reminders from the next slot on (after a hold, a pause or a new schedule)."""
    hours = turn.catalogue.program.reminders.weekly_checkin_after_hours
    await restart_pushes(turn.db, turn.user, turn.now, timedelta(hours=hours))


def first_slot(turn: Turn) -> datetime:
    """The first reminder slot from now on, for a new, changed or resumed schedule."""
    return next_daily_slot(turn.now, turn.user.reminder_time, turn.user.timezone)[1]


def schedule_lines(turn: Turn) -> str:
    """The user's schedule in one line: days, reminder time, time zone and morning check."""
    user = turn.user
    return _("Training days: {days} at {time} ({zone}). Morning check: {morning}.").format(
        days=describe_days(user.weekdays),
        time=clock_time(user.reminder_time),
        zone=zone_name(user.timezone),
        morning=clock_time(user.morning_time),
    )


def _schedule_summary(turn: Turn) -> str:
    return schedule_lines(turn)


def _past_screen(turn: Turn) -> bool:
    """Schedule buttons only count once the disclaimer and red-flag screen are done."""
    if turn.user.onboarding_step in (OnboardingStep.TIMEZONE, OnboardingStep.DONE):
        return True
    turn.toast = _("Please finish the first steps: send /start.")
    return False


BUTTONS = (
    Button(RedFlag, answer_red_flags),
    Button(TimeZone, choose_timezone),
    Button(Days, toggle_day),
    Button(SaveDays, save_days),
    Button(ReminderTime, choose_time),
    Button(MorningTime, choose_morning_time),
    Button(Retime, retime),
    Button(ScheduleMenu, schedule_menu_button),
    Tap("disclaimer", accept_disclaimer),
    Tap("cleared", cleared),
    Tap("setup", change_schedule),
)
