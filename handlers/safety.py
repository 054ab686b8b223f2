"""Red flags, clinicians and holds: the screen (at /start, after severe pain, at the weekly
check-in's "pain" barrier and on /redflags) with one button per flag; the hold a flag or the
advice to see a clinician puts on the program, said the same way wherever it is met; the
clearance and the "carry on at the easiest levels" choice that end one."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median

from content.catalogue import (
    NONE_OF_THESE,
    URGENT_TIERS,
    Catalogue,
    Moment,
    Safety,
    Tier,
)
from content.i18n import N_, _, day_name, ngettext, short_day
from content.progression import ClinicianReason, Review, Scores
from content.states import HoldEnd, HoldKind
from handlers.callbacks import RedFlag
from handlers.common import Keyboard, Tap, Turn, turn_handler
from handlers.views import announce_easiest, describe_session, out_of_ten
from usecases.holds import HoldRecord
from usecases.safety import HoldView, carry_on_easiest, open_hold, tap_flag

CLEARED_LABEL = N_("✅ A clinician has checked my knee")
# After an emergency or same-day flag: a doctor, not a physiotherapist, sees them first.
DOCTOR_CLEARED_LABEL = N_("✅ A doctor has seen me and said I can exercise")
NO_REVIEW_LABEL = N_("I can't see anyone now")


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
        [(flag.button, RedFlag(flag.key).data())]
        for flag in safety.flags
        if flag.key not in tapped
    ]
    if not tapped:
        keyboard.append([(safety.none_button, RedFlag(NONE_OF_THESE).data())])
    return keyboard


def hold_keyboard(view: HoldView, today: date) -> Keyboard:
    """The ways out of a hold that are open today: the clearance (worded for a doctor after
    an urgent flag; not on the day that flag was tapped), and for a review hold alone the
    choice not to have one."""
    keyboard: Keyboard = []
    if view.clearable(today):
        label = DOCTOR_CLEARED_LABEL if view.tier in URGENT_TIERS else CLEARED_LABEL
        keyboard.append([(_(label), "cleared")])
    if view.review_only:
        keyboard.append([(_(NO_REVIEW_LABEL), "noreview")])
    return keyboard


def _clearable_later(view: HoldView, turn: Turn) -> str:
    """When the clearance is not offered yet: from which day it is."""
    if view.clearable(turn.today):
        return ""
    return "\n\n" + _(
        "Once a doctor has seen you and said you can exercise, tap the button under /today "
        "from {day} on."
    ).format(day=day_name(view.clearable_from))


async def report_flag(turn: Turn, key: str) -> None:
    """A flag tapped: stored, the program on hold, and the advice of the most urgent flag
    tapped since the hold began, worded for the moment. The screen stays, so another flag can
    still be added."""
    user, catalogue = turn.user, turn.catalogue
    safety = catalogue.safety
    moment = moment_of(turn)
    keys = await tap_flag(turn.db, catalogue, user, key, moment, turn.now)
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
    view = await open_hold(turn.db, catalogue, user)
    assert view is not None, "a flag tapped holds the program"
    turn.say(
        f"{advice}\n\n🚨 {safety.emergency}" + _clearable_later(view, turn),
        hold_keyboard(view, turn.today),
    )


async def hold_notice(turn: Turn) -> None:
    """The program is held: why, what it means and, as buttons, the ways out open today."""
    view = await open_hold(turn.db, turn.catalogue, turn.user)
    if view is None:
        return
    turn.say(
        hold_text(view, turn.catalogue) + _clearable_later(view, turn),
        hold_keyboard(view, turn.today),
    )


def hold_text(view: HoldView, catalogue: Catalogue) -> str:
    """What a hold is and why, in the words of its most serious part: a red flag's tier, or
    the review and the scores behind it."""
    if HoldKind.RED_FLAG in view.kinds:
        return catalogue.safety.hold[view.tier or Tier.SOON]
    reason = marked_reason(catalogue, view.review, view.evidence)
    return (
        _("🩺 Your program has been on hold since {day}.").format(day=day_name(view.since))
        + " "
        + reason
        + " "
        + _(
            "Please have a doctor or physiotherapist look at your knee; until then I'm not "
            "sending sessions or training-day reminders."
        )
    )


def review_reason(
    catalogue: Catalogue, reason: ClinicianReason | None, evidence: tuple[Scores, ...]
) -> str:
    """Why a review was advised, quoting the scores behind it (plain words: the report's font
    has no emoji; `marked_reason` adds one for the chat)."""
    pain, rules = catalogue.program.pain, catalogue.program.progression
    sessions = [describe_session(scores, pain.acceptable_max) for scores in evidence]
    named = "; ".join(sessions)
    first = evidence[0] if evidence else None
    if reason is ClinicianReason.SEVERE_AT_LOWEST:
        score = first.during if first else None
        return _("Pain of {score} with every exercise already at its easiest level.").format(
            score=out_of_ten(score or pain.severe_pain_from)
        )
    if reason is ClinicianReason.WORST_PAIN:
        return _("You gave your knee the highest score there is ({session}).").format(
            session=named
        )
    if reason is ClinicianReason.SECOND_SEVERE:
        return _(
            "This is the second time in {days} days that the pain reached {threshold} or "
            "more ({sessions})."
        ).format(
            days=rules.severe_window_days,
            threshold=out_of_ten(pain.severe_pain_from),
            sessions=named,
        )
    if reason is ClinicianReason.MORNINGS_HIGH:
        mornings = [scores.morning for scores in evidence if scores.morning is not None]
        return _(
            "Your knee has been {usual}/10 on a usual morning lately, more than the "
            "{limit}/10 it should settle to."
        ).format(usual=f"{median(mornings or [0]):g}", limit=pain.acceptable_max)
    count = len(sessions)
    return ngettext(
        "Your knee has protested {count} session in a row ({sessions}).",
        "Your knee has protested {count} sessions in a row ({sessions}).",
        count,
    ).format(count=count, sessions=named)


def marked_reason(
    catalogue: Catalogue, reason: ClinicianReason | None, evidence: tuple[Scores, ...]
) -> str:
    """The reason for a review as the chat says it, behind its sign."""
    mark = "🩺" if reason is ClinicianReason.MORNINGS_HIGH else "⚠️"
    return f"{mark} {review_reason(catalogue, reason, evidence)}"


# How urgent each red flag is, in words a clinician reads at a glance.
TIER_WORDS = {
    Tier.EMERGENCY: N_("emergency: call the emergency number"),
    Tier.SAME_DAY: N_("same day: a doctor or urgent care"),
    Tier.SOON: N_("soon: a clinician before going on"),
}
HOLD_END_WORDS = {
    HoldEnd.CLEARED: N_("cleared by a clinician on {day}"),
    HoldEnd.EASIEST: N_("carried on at the easiest levels from {day}"),
    HoldEnd.CORRECTED: N_("lifted on {day}: a corrected score no longer called for it"),
}


def hold_event(catalogue: Catalogue, record: HoldRecord) -> tuple[str, str]:
    """A hold in words, for /report, /history, /progress and /export: what it was (the advice
    with the scores behind it, or the warning sign's urgency) and how it ended."""
    if record.kind is HoldKind.RED_FLAG:
        what = _("On hold for a warning sign ({urgency})").format(
            urgency=_(TIER_WORDS[record.tier or Tier.SOON])
        )
    else:
        what = _("Advice to see a clinician: {reason}").format(
            reason=review_reason(catalogue, record.review, record.evidence)
        )
    if record.ended is None or record.ended_by is None:
        return what, _("still on hold")
    return what, _(HOLD_END_WORDS[record.ended_by]).format(day=short_day(record.ended))


def review_hold_text(
    catalogue: Catalogue, reason: ClinicianReason | None, evidence: tuple[Scores, ...]
) -> str:
    """See a clinician, said plainly with the scores behind it, and the hold it starts; never
    next to "carry on"."""
    days = catalogue.program.holds.followup_after_days
    return (
        marked_reason(catalogue, reason, evidence)
        + " "
        + _(
            "Please have a doctor or physiotherapist look at your knee before you go on, and "
            "show them the exercises you do. Until then your program is on hold: no sessions "
            "and no training-day reminders from me. Send /redflags to check the warning signs "
            "that need a check sooner."
        )
        + "\n\n"
        + ngettext(
            "In {days} day I'll ask how it went.",
            "In {days} days I'll ask how it went.",
            days,
        ).format(days=days)
    )


async def review_advice(turn: Turn, review: Review) -> None:
    """The advice of a review that calls for a clinician, with the ways out of the hold it
    started that are open today."""
    view = await open_hold(turn.db, turn.catalogue, turn.user)
    assert view is not None, "the review has just held the program"
    turn.say(
        review_hold_text(turn.catalogue, review.clinician, review.clinician_evidence),
        hold_keyboard(view, turn.today),
    )


async def no_review_button(turn: Turn) -> None:
    """ "I can't see anyone now": what the easiest levels mean, and the explicit choice."""
    view = await open_hold(turn.db, turn.catalogue, turn.user)
    if view is None or not view.review_only:
        turn.toast = _("That button has expired.")
        return
    turn.say(
        _(
            "Then the gentlest way on is every exercise at its easiest level. Stop an exercise "
            "if it hurts sharply. If the pain goes above {limit}/10 in two sessions in a row, "
            "or reaches {severe}/10, I'll put the program on hold again. Your choice is kept "
            "in your report."
        ).format(
            limit=turn.catalogue.program.pain.acceptable_max,
            severe=turn.catalogue.program.pain.severe_pain_from,
        ),
        [
            [(_("Carry on at the easiest levels"), "easiest")],
            [(_("Keep the hold"), "keephold")],
        ],
    )


async def easiest_button(turn: Turn) -> None:
    """The explicit choice to carry on at the easiest levels instead of a review."""
    weekly_after = timedelta(hours=turn.catalogue.program.reminders.weekly_checkin_after_hours)
    moves = await carry_on_easiest(turn.db, turn.catalogue, turn.user, turn.now, weekly_after)
    if moves is None:
        turn.toast = _("That button has expired.")
        return
    turn.edit(_("Your choice: carry on at the easiest levels."))
    turn.say(
        announce_easiest(turn.catalogue, moves)
        + "\n\n"
        + _("Reminders are on again from your next training day."),
        [[(_("📋 Today's session"), "today")]],
    )


async def keep_hold_button(turn: Turn) -> None:
    """ "Keep the hold": nothing changes."""
    turn.edit(_("The hold stays. /today shows the ways on whenever you're ready."))


async def not_yet_button(turn: Turn) -> None:
    """ "Not yet" on the hold's follow-up: nothing changes, and nothing more is sent."""
    turn.edit(
        _("No problem. The program waits, and /today shows the ways on whenever you're ready.")
    )


@turn_handler
async def red_flags(turn: Turn) -> None:
    """/redflags: the screen, whenever the user wants to check."""
    ask_red_flags(turn)


BUTTONS = (
    Tap("noreview", no_review_button),
    Tap("easiest", easiest_button),
    Tap("keephold", keep_hold_button),
    Tap("notyet", not_yet_button),
)
