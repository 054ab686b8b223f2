"""The clinician's side in Telegram: claiming the account with the operator's one-time link
(/start clin_<token>), the patient invite (/invite, /invite new), the patients who share
with them (/patients), the alerts about them, with "Open summary" and "clear the hold", and
a patient's program to edit ("✏️ Program": levels, openings, locks, pause).
Everything a clinician does goes through usecases.clinicians, whose access check is the only
way to a patient."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from content.alerts import Notice, read_hold_detail
from content.catalogue import Catalogue
from content.edits import Asked
from content.i18n import N_, _, short_day
from content.progression import ClinicianReason
from content.states import NoticeKind
from handlers.callbacks import (
    ClearHold,
    PatientProgram,
    PatientSummary,
    Pausing,
    ProgramEdit,
    ProgramPause,
)
from handlers.common import Attachment, Button, Turn, turn_handler
from handlers.digest import week_message
from handlers.edits import (
    EDIT_NOTICES,
    edit_notice,
    program_keyboard,
    program_text,
    refusal_toast,
)
from handlers.report import period_text, report_document
from handlers.safety import TIER_WORDS
from handlers.views import describe_session
from media.qr import invite_qr
from media.report import render_report
from scheduler.outgoing import Keyboard, Outgoing
from usecases import clinicians, program_edits
from usecases.clinicians import Account, Claim, Clearing, Clinician
from usecases.digest import patient_weeks
from usecases.program_edits import Edited, Program

# The toast for a patient the clinician does not reach (never says who or why).
NOT_REACHED = N_("This patient no longer shares their progress with you.")
CLAIM_PREFIX = "clin_"
INVITE_PREFIX = "p_"


def deep_link(turn: Turn, payload: str) -> str:
    """A t.me link that opens the bot with /start <payload>."""
    return f"https://t.me/{turn.context.bot.username}?start={payload}"


async def claim(turn: Turn, token: str) -> None:
    """/start clin_<token>: this Telegram account becomes the clinician the link was made
    for, once; a used, expired or unknown link gets a friendly word and what to do."""
    user = turn.user
    account = Account(user.id, user.chat_id, user.language)
    outcome = await clinicians.claim(turn.db, token, account, turn.now)
    if outcome.result is Claim.OK:
        assert outcome.clinician is not None
        turn.say(
            _(
                "Welcome, {name}! This Telegram account is now the clinician account of "
                "{practice}. Send /invite for the link your patients open to share their "
                "progress with you, and /patients to see who shares it."
            ).format(name=outcome.clinician.name, practice=_practice(outcome.clinician))
        )
        return
    turn.say(
        {
            Claim.USED: _("This clinician link has been used already: each works once."),
            Claim.EXPIRED: _("This clinician link has expired: links work for 7 days."),
            Claim.UNKNOWN: _("I don't know this clinician link."),
            Claim.TAKEN: _("This Telegram account is already a clinician account."),
        }[outcome.result]
        + " "
        + _("Please ask the practice that runs Knee Coach for a new one.")
    )


def _practice(clinician: Clinician) -> str:
    return clinician.practice or _("your practice")


async def _as_clinician(turn: Turn) -> Clinician | None:
    """The clinician this account is; otherwise a friendly word that the command is for
    clinicians, and None."""
    found = await clinicians.clinician_of(turn.db, turn.user.id, turn.user.language)
    if found is None:
        turn.say(
            _(
                "This command is for clinicians. If your physiotherapist uses Knee Coach, "
                "open the invite link they give you; /physio shows who sees your progress."
            )
        )
    return found


@turn_handler
async def invite(turn: Turn) -> None:
    """/invite: the link patients open to share with this clinician; /invite new replaces it
    (the old link stops working)."""
    found = await _as_clinician(turn)
    if found is None:
        return
    renew = [word.lower() for word in turn.context.args or []] == ["new"]
    code = await clinicians.invite_code(turn.db, found, turn.now, renew=renew)
    lead = _("Here is a new invite link; the old one no longer works.") if renew else ""
    link = deep_link(turn, INVITE_PREFIX + code)
    text = (lead + "\n\n" if lead else "") + _(
        "Give this link to your patients (print it or show it). Opening it, they see "
        "what you would see and choose whether to share it with you:\n{link}\n\n"
        "Send /invite new to replace it."
    ).format(link=link)
    # The QR code carries the same link; if Telegram refuses the picture, the text goes alone.
    draw = partial(turn.services.drawing.run, invite_qr, link)
    turn.send_file(Attachment("photo", "invite-qr.png", draw, optional=True), text)


@turn_handler
async def patients(turn: Turn) -> None:
    """/patients: the week of each patient who shares with this clinician, the most urgent
    first, a button each for their summary (the weekly digest, on demand)."""
    found = await _as_clinician(turn)
    if found is None:
        return
    weeks = await patient_weeks(turn.db, turn.catalogue, found, turn.now)
    if not weeks:
        turn.say(_("No patient shares their progress with you yet. Send /invite for the link."))
        return
    shown = week_message(_("Patients who share their progress with you, this week:"), weeks)
    turn.say(shown.text, shown.keyboard)


def _name(first_name: str) -> str:
    return first_name or _("(no name)")


async def open_summary(turn: Turn, pressed: PatientSummary) -> None:
    """ "Open summary": the patient's one-page report, in the clinician's language, if the
    clinician still reaches them (otherwise nothing about them is shown)."""
    found = await _as_clinician(turn)
    if found is None:
        return
    outcome = await clinicians.summary(turn.db, turn.catalogue, found, pressed.patient, turn.now)
    if outcome is None:
        turn.toast = _(NOT_REACHED)
        return
    patient, data = outcome
    name = _name(patient.first_name)
    if data is None:
        turn.say(
            _("{name} has not logged a session yet: the summary fills in as they do.").format(
                name=name
            )
        )
        return
    make = partial(turn.services.drawing.run, render_report, report_document(data, turn.catalogue))
    filename = f"knee-coach-{patient.user_id}-{data.today.isoformat()}.pdf"
    caption = _("{name}'s Knee Coach summary ({period}).").format(
        name=name, period=period_text(data)
    )
    turn.send_file(Attachment("document", filename, make), caption)


async def clear(turn: Turn, pressed: ClearHold) -> None:
    """ "I have seen this patient: clear the hold": every hold of the patient ends, stored as
    this clinician's clearance, and the patient is told by name."""
    found = await _as_clinician(turn)
    if found is None:
        return
    hours = turn.catalogue.program.reminders.weekly_checkin_after_hours
    outcome = await clinicians.clear_hold(
        turn.db, turn.catalogue, found, pressed.patient, turn.now, timedelta(hours=hours)
    )
    if outcome.patient is None:
        turn.toast = _(NOT_REACHED)
        return
    name = _name(outcome.patient.first_name)
    if outcome.result is Clearing.CLEARED:
        turn.say(
            _("✅ Done: {name}'s program runs again, and they are told you cleared it.").format(
                name=name
            )
        )
    else:
        turn.toast = _("{name}'s program is not on hold.").format(name=name)


async def open_program(turn: Turn, pressed: PatientProgram) -> None:
    """ "✏️ Program": the patient's exercises at their levels, with a button for each edit,
    if the clinician still reaches them."""
    found = await _as_clinician(turn)
    if found is None:
        return
    shown = await program_edits.program(turn.db, turn.catalogue, found, pressed.patient, turn.now)
    if shown is None:
        turn.toast = _(NOT_REACHED)
        return
    turn.say(*_program_screen(turn, shown))


async def edit_program(turn: Turn, pressed: ProgramEdit) -> None:
    """An exercise a level up or down, opened or locked: applied at once (the patient is
    told), and the program shown again as it is now; an edit that changes nothing says why."""
    found = await _as_clinician(turn)
    if found is None:
        return
    asked = Asked(pressed.exercise, pressed.edit, pressed.level)
    edited = await program_edits.edit_exercise(
        turn.db, turn.catalogue, found, pressed.patient, asked, turn.now
    )
    _show_edited(turn, edited, pressed.exercise)


async def pause_program(turn: Turn, pressed: ProgramPause) -> None:
    """ "⏸ Pause program" or "▶️ Resume program": the patient's reminders, as their own /pause
    and /resume; the patient is told."""
    found = await _as_clinician(turn)
    if found is None:
        return
    pause = pressed.pausing is Pausing.PAUSE
    edited = await program_edits.set_paused(
        turn.db, turn.catalogue, found, pressed.patient, pause, turn.now
    )
    _show_edited(turn, edited)


def _show_edited(turn: Turn, edited: Edited, exercise: str = "") -> None:
    """The program as it is now, in place of the one pressed, with a toast: done, or why
    not (naming the exercise); nothing at all about a patient the clinician no longer
    reaches."""
    if edited.program is None:
        turn.toast = _(NOT_REACHED)
        return
    name = _name(edited.program.patient.first_name)
    if edited.refused is None:
        turn.toast = _("Done: {name} is told.").format(name=name)
    else:
        turn.toast = refusal_toast(edited.refused, turn.catalogue, exercise)
    turn.edit(*_program_screen(turn, edited.program))


def _program_screen(turn: Turn, shown: Program) -> tuple[str, Keyboard]:
    hold_days = turn.catalogue.program.care.edit_holds_step_up_days
    name = _name(shown.patient.first_name)
    return (
        program_text(shown, turn.catalogue, name, hold_days),
        program_keyboard(shown, turn.catalogue),
    )


BUTTONS = (
    Button(PatientSummary, open_summary),
    Button(ClearHold, clear),
    Button(PatientProgram, open_program),
    Button(ProgramEdit, edit_program),
    Button(ProgramPause, pause_program),
)

# What the clinician reads of each review reason (the patient's own words say "you").
REVIEW_WORDS = {
    ClinicianReason.SEVERE_AT_LOWEST: N_("severe pain with every exercise at its easiest level"),
    ClinicianReason.SECOND_SEVERE: N_("a second severe pain score within {days} days"),
    ClinicianReason.REGRESSIONS_IN_A_ROW: N_("sessions that hurt more, several in a row"),
    ClinicianReason.WORST_PAIN: N_("the highest pain score there is, 10/10"),
    ClinicianReason.MORNINGS_HIGH: N_("usual morning pain above the acceptable band"),
}


def care_notice(notice: Notice, clinician_name: str, catalogue: Catalogue) -> Outgoing:
    """A care notice in the current language (the push engine sets the recipient's): to the
    clinician about a patient, naming them and quoting what happened, with buttons to open
    them; or to the patient about what their clinician did."""
    name = notice.patient_name or _("A patient")
    if notice.kind in EDIT_NOTICES:
        return edit_notice(notice, clinician_name, catalogue)
    if notice.kind is NoticeKind.CLEARED:
        return Outgoing(
            _(
                "✅ {clinician} has seen how you are and cleared the hold: your program runs "
                "again. Send /today for today's session."
            ).format(clinician=clinician_name),
            [],
        )
    if notice.kind is NoticeKind.STOPPED:
        text = _(
            "{name} stopped sharing their Knee Coach progress with you; you no longer see it."
        ).format(name=name)
        return Outgoing(text, [])
    if notice.kind is NoticeKind.UNDELIVERED:
        return Outgoing(_undelivered(notice, name, clinician_name), [])
    text = _alert_text(notice, name, catalogue)
    buttons: Keyboard = []
    if notice.patient_id is not None:
        buttons.append([summary_button(notice.patient_id)])
        if notice.kind in (NoticeKind.RED_FLAG, NoticeKind.REVIEW):
            clear_button = _("✅ I have seen this patient: clear the hold")
            buttons.append([(clear_button, ClearHold(notice.patient_id).data())])
    return Outgoing(text, buttons)


def _undelivered(notice: Notice, patient_name: str, clinician_name: str) -> str:
    """To a message's sender: Telegram would not deliver it (blocked bot, closed account)."""
    recipient = clinician_name if notice.to_patient else patient_name
    return _(
        "⚠️ Your last message to {name} could not be delivered: Telegram refused it (they may "
        "have blocked the bot). Please reach them another way."
    ).format(name=recipient)


def summary_button(patient_id: int) -> tuple[str, str]:
    """ "Open summary" under what the clinician is told about a patient."""
    return _("📄 Open summary"), PatientSummary(patient_id).data()


def _alert_text(notice: Notice, name: str, catalogue: Catalogue) -> str:
    if notice.kind is NoticeKind.STARTED:
        return _("🤝 {name} now shares their Knee Coach progress with you.").format(name=name)
    if notice.kind is NoticeKind.RED_FLAG:
        flag = catalogue.safety.flag(notice.detail)
        sign = flag.button if flag else _("a warning sign")
        urgency = _(TIER_WORDS[flag.tier]) if flag else ""
        return _(
            "🚨 {name} reported a warning sign: {sign} ({urgency}). Their program is on hold "
            "until it is cleared."
        ).format(name=name, sign=sign, urgency=urgency)
    if notice.kind is NoticeKind.REVIEW:
        reason, evidence = read_hold_detail(notice.detail)
        days = catalogue.program.progression.severe_window_days
        why = _(REVIEW_WORDS[reason]).format(days=days) if reason else _("their pain scores")
        acceptable = catalogue.program.pain.acceptable_max
        sessions = "; ".join(describe_session(scores, acceptable) for scores in evidence)
        return _("⚠️ {name}'s program is on hold for a review: {why}.").format(
            name=name, why=why
        ) + (" " + _("Scores: {sessions}.").format(sessions=sessions) if sessions else "")
    if notice.kind is NoticeKind.EASIEST:
        return _(
            "{name} chose to carry on at the easiest levels instead of having the knee reviewed."
        ).format(name=name)
    last = date.fromisoformat(notice.detail) if notice.detail else None
    if last is None:
        return _("💤 {name} has not done a session since they started sharing with you.").format(
            name=name
        )
    return _("💤 {name} has done no session since {day}.").format(name=name, day=short_day(last))
