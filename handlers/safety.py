"""Red flags and clinicians: the screen (at /start, after severe pain, at the weekly check-in's
"pain" barrier and on /redflags) with one button per flag, the hold a flag puts on the program
with advice by the most urgent flag tapped, the plain advice to see a clinician, and the
clearance that ends either."""

from __future__ import annotations

from content.catalogue import RED_FLAG_CALLBACK, Moment, Safety, Tier
from content.i18n import N_, _, ngettext
from content.progression import ClinicianReason, Review
from handlers.common import Keyboard, Turn, turn_handler
from handlers.views import describe_session, out_of_ten
from storage import safety as answers
from storage.safety import NONE_OF_THESE

CLEARED_LABEL = N_("✅ A clinician has cleared me")


def cleared_button() -> Keyboard:
    """The button a user on hold taps once a clinician has checked them."""
    return [[(_(CLEARED_LABEL), "cleared")]]


def moment_of(turn: Turn) -> Moment:
    """Before the program starts (at /start) or in the middle of it."""
    return Moment.LATER if turn.user.onboarded else Moment.START


def ask_red_flags(turn: Turn, moment: Moment | None = None) -> None:
    """The screen: its question, every flag and the emergency line, one button per flag and
    "None of these"."""
    safety = turn.catalogue.safety
    turn.say(safety.screen_text(moment or moment_of(turn)), flag_keyboard(safety))


def flag_keyboard(safety: Safety, tapped: frozenset[str] = frozenset()) -> Keyboard:
    """One button per red flag not yet tapped; "None of these" only before any is tapped."""
    keyboard: Keyboard = [
        [(flag.button, flag.callback_data)] for flag in safety.flags if flag.key not in tapped
    ]
    if not tapped:
        keyboard.append([(safety.none_button, RED_FLAG_CALLBACK.format(key=NONE_OF_THESE))])
    return keyboard


async def report_flag(turn: Turn, key: str) -> None:
    """A flag tapped: stored, the program on hold, and the advice of the most urgent flag
    tapped since the hold began, worded for the moment. The screen stays, so another flag can
    still be added."""
    user, safety = turn.user, turn.catalogue.safety
    moment = moment_of(turn)
    await answers.record_answer(turn.db, user.id, key, moment, turn.now)
    if user.red_flag_reported_at is None:
        user.red_flag_reported_at = turn.now
    user.awaiting = None
    keys = await answers.flags_since(turn.db, user.id, user.red_flag_reported_at)
    tapped = [flag for flag in safety.flags if flag.key in keys]
    told = "\n".join(f"• {flag.text}" for flag in tapped) or _("One of the warning signs applies.")
    turn.edit(
        _("You told me:\n{flags}\n\nIf another one applies too, tap it as well.").format(
            flags=told
        ),
        flag_keyboard(safety, frozenset(keys)),
    )
    # An old "Yes, one applies" button names no flag: the advice for "soon" at least.
    advice = safety.advice_for(keys, moment) or safety.advice[Tier.SOON].at(moment)
    turn.say(f"{advice}\n\n🚨 {safety.emergency}", cleared_button())


def hold_notice(turn: Turn) -> None:
    """Say the program is on hold until a clinician has checked the knee, with the cleared
    button."""
    turn.say(
        _(
            "Your program is on hold until a doctor or physiotherapist has checked your knee, "
            "so I'm not sending exercises or reminders. Once you've been cleared, tap below."
        ),
        cleared_button(),
    )


def clinician_advice(turn: Turn, review: Review) -> None:
    """See a clinician, said plainly and with the scores behind it; never next to "carry on"."""
    catalogue = turn.catalogue
    pain, rules = catalogue.program.pain, catalogue.program.progression
    sessions = [
        describe_session(scores, pain.acceptable_max) for scores in review.clinician_evidence
    ]
    named = "; ".join(sessions)
    if review.clinician is ClinicianReason.SEVERE_AT_LOWEST:
        score = review.session.during if review.session else None
        reason = _("⚠️ Pain of {score} with every exercise already at its easiest level.").format(
            score=out_of_ten(score or 0)
        )
    elif review.clinician is ClinicianReason.SECOND_SEVERE:
        reason = _(
            "⚠️ This is the second time in {days} days that the pain reached {threshold} or "
            "more ({sessions})."
        ).format(
            days=rules.severe_window_days,
            threshold=out_of_ten(pain.severe_pain_from),
            sessions=named,
        )
    else:
        count = len(sessions)
        reason = ngettext(
            "⚠️ Your knee has protested {count} session in a row ({sessions}).",
            "⚠️ Your knee has protested {count} sessions in a row ({sessions}).",
            count,
        ).format(count=count, sessions=named)
    turn.say(
        reason
        + " "
        + _(
            "Please have a doctor or physiotherapist look at your knee before you go on with "
            "the program, and show them the exercises you do. Send /redflags to check the warning "
            "signs that need a check sooner. Once a clinician has checked your knee, tap below."
        ),
        cleared_button(),
    )


@turn_handler
async def red_flags(turn: Turn) -> None:
    """/redflags: the screen, whenever the user wants to check."""
    ask_red_flags(turn)
