"""The clinician's side in Telegram: claiming the account with the operator's one-time link
(/start clin_<token>), the patient invite (/invite, /invite new) and the patients who share
with them (/patients). Everything a clinician does goes through usecases.clinicians, whose
access check is the only way to a patient."""

from __future__ import annotations

from functools import partial

from content.i18n import _
from content.states import NoticeKind
from handlers.common import Attachment, Turn, turn_handler
from media.qr import invite_qr
from usecases import clinicians
from usecases.clinicians import Account, Claim, Clinician

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
    """/patients: who shares their progress with this clinician now."""
    found = await _as_clinician(turn)
    if found is None:
        return
    linked = await clinicians.patients_of(turn.db, found)
    if not linked:
        turn.say(_("No patient shares their progress with you yet. Send /invite for the link."))
        return
    lines = [
        _("{name}, sharing since {day}").format(
            name=patient.first_name or _("(no name)"), day=patient.since.date().isoformat()
        )
        for patient in linked
    ]
    turn.say(_("Patients who share their progress with you:") + "\n" + "\n".join(lines))


def care_notice(kind: NoticeKind, patient_name: str) -> str:
    """What a clinician is told when a patient starts or stops sharing, in the current
    language (the push engine sets the clinician's)."""
    name = patient_name or _("A patient")
    if kind is NoticeKind.STARTED:
        return _("🤝 {name} now shares their Knee Coach progress with you.").format(name=name)
    return _(
        "{name} stopped sharing their Knee Coach progress with you; you no longer see it."
    ).format(name=name)
