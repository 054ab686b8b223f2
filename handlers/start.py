"""/start: welcome, disclaimer, red-flag screen, then time zone, training days and reminder time.

Every step is stored on the user's row, so a restart or a second replica continues where the
person left off, and running /start again never loses their history.
"""

from __future__ import annotations

from datetime import datetime, time

from content.i18n import _
from content.program import starting_levels
from handlers.common import Button, Keyboard, Turn, turn_handler
from handlers.parsing import parse_time
from handlers.safety import ask_red_flags, hold_notice, moment_of, report_flag
from scheduler.calendar import WEEKDAY_LABELS, days_to_mask, describe_days, mask_to_days
from scheduler.slots import next_daily_slot
from scheduler.timezones import is_valid_zone, resolve_timezone, timezone_at
from storage import safety as answers
from storage import training
from storage.safety import NONE_OF_THESE
from storage.states import Awaiting, OnboardingStep, Question

TIME_CHOICES = ("07:00", "08:00", "12:00", "17:00", "18:00", "19:00", "20:00")
ASK_TIMEZONE = (
    "Which time zone are you in? Tap 📍 below to share your location (it is used only for "
    "the time zone and not stored), or type your city (for example Berlin or New York) or a "
    "UTC offset such as +1 or UTC-5."
)


def require_setup(turn: Turn) -> bool:
    """True when the user may train; otherwise explains what is missing."""
    if turn.user.on_hold:
        hold_notice(turn)
        return False
    if turn.user.onboarded:
        return True
    turn.say("Let's get you set up first: it takes a minute. Send /start.")
    return False


@turn_handler
async def start(turn: Turn) -> None:
    """Welcome; a returning user keeps everything and may change settings."""
    user = turn.user
    name = user.first_name or "there"
    if user.on_hold:
        hold_notice(turn)
        return
    if user.onboarded:
        turn.say(
            f"Welcome back, {name}! Your program and history are all still here.\n"
            f"{_schedule_summary(turn)}",
            [[("📋 Today's session", "today"), ("⚙️ Change schedule", "setup")]],
        )
        return
    user.onboarding_step = OnboardingStep.DISCLAIMER
    user.awaiting = None
    safety = turn.services.catalogue.safety
    turn.say(
        f"Hi {name}, I'm Knee Coach. I'll guide you through short home exercises for your "
        "knee, remind you on your training days and adjust the program to how your knee "
        f"feels.\n\n{safety.disclaimer}",
        [[("✅ I understand", "disclaimer")]],
    )


async def accept_disclaimer(turn: Turn, _args: tuple[str, ...]) -> None:
    user = turn.user
    if user.onboarding_step != OnboardingStep.DISCLAIMER or user.on_hold:
        turn.toast = "Already noted."
        return
    user.disclaimer_accepted_at = turn.now
    user.onboarding_step = OnboardingStep.RED_FLAGS
    turn.edit("Thanks for reading that. ✅")
    ask_red_flags(turn)


async def answer_red_flags(turn: Turn, args: tuple[str, ...]) -> None:
    """The screen's answer, wherever it was asked: at /start, after severe pain, at the weekly
    check-in, on /redflags. A flag puts the program on hold; "None of these" carries on."""
    user, key = turn.user, args[0]
    safety = turn.services.catalogue.safety
    if key == "no":  # the old screen's "No, none apply"
        key = NONE_OF_THESE
    if key != NONE_OF_THESE and key != "yes" and safety.flag(key) is None:
        turn.toast = "That button has expired."
        return
    if key != NONE_OF_THESE:
        await report_flag(turn, key)
        return
    await answers.record_answer(turn.db, user.id, NONE_OF_THESE, moment_of(turn), turn.now)
    if user.on_hold:
        turn.edit("None of these applies right now.")
        hold_notice(turn)
    elif user.onboarding_step == OnboardingStep.RED_FLAGS:
        user.onboarding_step = OnboardingStep.TIMEZONE
        turn.edit("Good: none of the warning signs apply.")
        ask_timezone(turn)
    else:
        turn.edit("Good: none of the warning signs apply.")
        turn.say(
            _(
                "If your knee hurts a lot, rest it today and take the easier version of each "
                "exercise next time (📖 shows it); stop anything that feels sharp. If the pain "
                "keeps coming back, have a doctor or physiotherapist look at it."
            )
        )


async def cleared(turn: Turn, _args: tuple[str, ...]) -> None:
    """The user confirms a clinician checked them: a hold ends and the program picks up where
    it stopped; after the advice to see one, earlier regressions stop counting."""
    user = turn.user
    if not user.on_hold:
        if not await training.clinician_advised_since_clearance(turn.db, user.id):
            turn.toast = "Nothing is on hold."
            return
        await answers.record_clearance(turn.db, user.id, None, turn.now)
        turn.edit(_("✅ Checked by a clinician: good to hear."))
        turn.say(
            _(
                "Thanks for letting me know. Earlier sessions no longer count towards that "
                "advice. Start gently: the easier version of each exercise is in 📖."
            )
        )
        return
    await answers.record_clearance(turn.db, user.id, user.red_flag_reported_at, turn.now)
    user.red_flag_reported_at = None
    turn.edit("✅ Cleared by a clinician: good to hear.")
    if user.onboarded:
        user.next_slot_at = first_slot(turn)  # nothing from the hold is caught up
        turn.say(
            "Welcome back! Reminders are on again from your next training day. "
            "Start gently: the easier version of each exercise is in 📖.",
            [[("📋 Today's session", "today")]],
        )
    elif user.onboarding_step == OnboardingStep.RED_FLAGS:
        user.onboarding_step = OnboardingStep.TIMEZONE
        ask_timezone(turn)
    else:
        turn.say("Send /start to set up your program.")


async def change_schedule(turn: Turn, _args: tuple[str, ...]) -> None:
    if not turn.user.onboarded:
        turn.toast = "Send /start to set up first."
        return
    ask_timezone(turn)


def ask_timezone(turn: Turn) -> None:
    turn.user.awaiting = Awaiting(Question.TIMEZONE)
    turn.ask_location(ASK_TIMEZONE)


@turn_handler
async def location(turn: Turn) -> None:
    """A shared location pin answers the time-zone question; its coordinates are not kept."""
    message = turn.update.effective_message
    pin = message.location if message else None
    if turn.user.awaiting != Awaiting(Question.TIMEZONE) or pin is None:
        turn.say(
            "Thanks, but I only use a location to set your time zone. "
            "Send /schedule if you want to change it."
        )
        return
    zone = timezone_at(pin.latitude, pin.longitude)
    if zone is None:
        turn.say(
            "I couldn't tell the time zone from that spot. Please type your nearest city "
            "or a UTC offset such as +2."
        )
        return
    _set_timezone(turn, zone)


async def timezone_text(turn: Turn, text: str) -> None:
    """The user typed a place or an offset in answer to the time-zone question."""
    choices = resolve_timezone(text, turn.now)
    if not choices:
        turn.say(
            "I couldn't find that place. Try the nearest big city (for example Paris) "
            "or a UTC offset such as +2."
        )
        return
    if len(choices) == 1:
        _set_timezone(turn, choices[0])
        return
    turn.say(
        "Which of these is yours?", [[(zone.replace("_", " "), f"tz:{zone}")] for zone in choices]
    )


async def choose_timezone(turn: Turn, args: tuple[str, ...]) -> None:
    if not _past_screen(turn):
        return
    if not is_valid_zone(args[0]):
        turn.toast = "I don't know that time zone."
        return
    turn.edit(f"Time zone: {args[0].replace('_', ' ')}")
    _set_timezone(turn, args[0])


def _set_timezone(turn: Turn, zone: str) -> None:
    turn.user.timezone = zone
    turn.user.awaiting = None
    clock = turn.local_now.strftime("%H:%M")
    turn.say_and_clear_keyboard(f"Got it: {zone.replace('_', ' ')} (it's {clock} there now).")
    mask = days_to_mask(turn.user.weekdays)
    turn.say(_days_prompt(turn, mask), _days_keyboard(mask))


def _days_prompt(turn: Turn, mask: int) -> str:
    program = turn.services.catalogue.program
    return (
        "Which days will you train? Three days a week works best. "
        f"Pick {program.min_training_days} to {program.max_training_days} days, then tap Save.\n"
        f"Chosen: {describe_days(mask_to_days(mask))}"
    )


def _days_keyboard(mask: int) -> Keyboard:
    buttons = [
        (f"{'✅ ' if mask & (1 << day) else ''}{label}", f"days:{mask ^ (1 << day)}")
        for day, label in enumerate(WEEKDAY_LABELS)
    ]
    return [buttons[:4], buttons[4:], [("💾 Save days", f"savedays:{mask}")]]


async def toggle_day(turn: Turn, args: tuple[str, ...]) -> None:
    mask = int(args[0])
    if not _past_screen(turn) or mask > 127:
        turn.toast = turn.toast or "That button has expired."
        return
    turn.edit(_days_prompt(turn, mask), _days_keyboard(mask))


async def save_days(turn: Turn, args: tuple[str, ...]) -> None:
    if not _past_screen(turn):
        return
    days = mask_to_days(int(args[0]) & 127)
    program = turn.services.catalogue.program
    if not program.min_training_days <= len(days) <= program.max_training_days:
        turn.toast = (
            f"Please pick {program.min_training_days} to {program.max_training_days} days."
        )
        return
    turn.user.training_days = ",".join(str(day) for day in days)
    turn.user.awaiting = Awaiting(Question.REMINDER_TIME)
    turn.edit(f"Training days: {describe_days(days)}")
    turn.say(
        "What time should I remind you on those days? Tap a time or type one, like 7:30.",
        [
            [(choice, f"time:{choice}") for choice in TIME_CHOICES[:4]],
            [(choice, f"time:{choice}") for choice in TIME_CHOICES[4:]],
        ],
    )


async def choose_time(turn: Turn, args: tuple[str, ...]) -> None:
    if not _past_screen(turn):
        return
    chosen = parse_time(args[0])
    if chosen is None:
        turn.toast = "That time doesn't exist."
        return
    turn.edit(f"Reminder time: {args[0]}")
    await _finish(turn, chosen)


async def time_text(turn: Turn, text: str) -> None:
    chosen = parse_time(text)
    if chosen is None:
        turn.say("I didn't understand that time. Please send it like 7:30, 18:00 or 6pm.")
        return
    await _finish(turn, chosen)


async def _finish(turn: Turn, reminder_time: time) -> None:
    user = turn.user
    user.reminder_time = reminder_time
    user.awaiting = None
    user.next_slot_at = first_slot(turn)
    first_time = not user.onboarded
    user.onboarding_step = OnboardingStep.DONE
    catalogue = turn.services.catalogue
    await training.ensure_levels(turn.db, user.id, starting_levels(catalogue), turn.now)
    if first_time:
        turn.say(
            f"You're all set! {_schedule_summary(turn)}\n\n"
            "Your first session is ready: tap below or send /today.",
            [[("📋 Today's session", "today")]],
        )
    else:
        turn.say(f"Saved. {_schedule_summary(turn)}")


def first_slot(turn: Turn) -> datetime:
    """The first reminder slot from now on, for a new, changed or resumed schedule."""
    return next_daily_slot(turn.now, turn.user.reminder_time, turn.user.timezone)[1]


def _schedule_summary(turn: Turn) -> str:
    user = turn.user
    return (
        f"Training days: {describe_days(user.weekdays)} at "
        f"{user.reminder_time.strftime('%H:%M')} ({user.timezone.replace('_', ' ')})."
    )


def _past_screen(turn: Turn) -> bool:
    """Schedule buttons only count once the disclaimer and red-flag screen are done."""
    if turn.user.onboarding_step in (OnboardingStep.TIMEZONE, OnboardingStep.DONE):
        return True
    turn.toast = "Please finish the first steps: send /start."
    return False


BUTTONS = (
    Button("redflag", answer_red_flags, r"([a-z][a-z0-9_]{1,31})"),
    Button("tz", choose_timezone, r"([A-Za-z_]+(?:/[A-Za-z0-9_+-]+){0,2})"),
    Button("days", toggle_day, r"(\d{1,3})"),
    Button("savedays", save_days, r"(\d{1,3})"),
    Button("time", choose_time, r"(\d{2}:\d{2})"),
    Button("disclaimer", accept_disclaimer),
    Button("cleared", cleared),
    Button("setup", change_schedule),
)
