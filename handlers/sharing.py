"""The patient's side of sharing with a clinician: /start with a link (a clinician's claim
link, or a patient invite), the invite with exactly what would be shared and "Share" or "No
thanks", and /physio: who sees the data now, with "Stop sharing" (at once)."""

from __future__ import annotations

import re

from content.alerts import Relayed
from content.i18n import _
from content.states import LinkEnd, OnboardingStep
from handlers import clinic, messages
from handlers.callbacks import INVITE_CODE, MessagePhysio, NoThanks, Share, StopSharing
from handlers.common import Button, Turn, turn_handler
from handlers.start import ask_setup_step, greet, keeps_question, offer_activities, welcome
from usecases import clinicians
from usecases.clinicians import Invitation

# The version of the words below that say what a clinician sees; stored with each consent.
# Change the words, raise the number.
WORDING_VERSION = 1


def what_is_shared(name: str) -> str:
    """Exactly what the clinician will see, as the patient agrees to it (WORDING_VERSION)."""
    return _(
        "{name} will see: your sessions (done or skipped), your pain scores and how hard "
        "sessions felt, your exercise levels and their changes, the warning signs you report, "
        "when the program is on hold, and the messages you send them. You can stop sharing at "
        "any time with /physio, and it stops at once."
    ).format(name=name)


@turn_handler
async def start(turn: Turn) -> None:
    """/start, with the link it was opened from if any: a clinician's claim link
    (clin_<token>), a patient invite (p_<code>), or none (welcome, or welcome back)."""
    payload = (turn.context.args or [""])[0]
    if payload.startswith(clinic.CLAIM_PREFIX):
        await clinic.claim(turn, payload.removeprefix(clinic.CLAIM_PREFIX))
    elif payload.startswith(clinic.INVITE_PREFIX):
        await offer(turn, payload.removeprefix(clinic.INVITE_PREFIX))
    else:
        await greet(turn)


def _who(invitation: Invitation) -> str:
    if invitation.practice:
        return _("{name} ({practice})").format(name=invitation.name, practice=invitation.practice)
    return invitation.name


async def offer(turn: Turn, code: str) -> None:
    """A patient opened an invite: who invites them and what they would see, then "Share"
    or "No thanks". Nothing is stored until they choose."""
    usable = re.fullmatch(INVITE_CODE, code, re.ASCII) is not None
    found = await clinicians.invitation(turn.db, code) if usable else None
    if found is None:
        turn.say(
            _("This invite link no longer works. Please ask your physiotherapist for a new one.")
        )
        _carry_on_setup(turn)
        return
    if found.account == turn.user.id:
        turn.say(_("This is your own invite link: give it to your patients."))
        return
    turn.say(
        _("{who} invites you to share your Knee Coach progress with them.").format(who=_who(found))
        + "\n\n"
        + what_is_shared(found.name),
        [
            [
                (
                    _("✅ Share with {name}").format(name=found.name),
                    Share(code, WORDING_VERSION).data(),
                )
            ],
            [(_("No thanks"), NoThanks(code).data())],
        ],
    )


def _carry_on_setup(turn: Turn) -> None:
    """After an invite, a person who has not finished /start goes on with it."""
    user = turn.user
    if user.onboarded or user.on_hold:
        return
    if user.onboarding_step == OnboardingStep.DISCLAIMER:
        welcome(turn)
    else:
        ask_setup_step(turn)


async def share(turn: Turn, pressed: Share) -> None:
    """ "Share": the consent is stored with its time and the version of the words read; an
    earlier clinician's link ends (one at a time), and both clinicians are told (by the push
    engine, from the queue written in this transaction)."""
    outcome = await clinicians.consent(turn.db, turn.user, pressed.code, pressed.version, turn.now)
    if outcome is None:
        turn.edit(_("This invite no longer works. Please ask your physiotherapist for a new one."))
    elif outcome.already:
        turn.edit(
            _("You already share your progress with {name}.").format(name=outcome.clinician.name)
        )
    else:
        turn.edit(
            _("✅ You now share your progress with {name}. /physio shows it and stops it.").format(
                name=outcome.clinician.name
            )
        )
        if turn.user.onboarded:
            await offer_activities(turn, outcome.clinician.name)
    _carry_on_setup(turn)


async def no_thanks(turn: Turn, pressed: NoThanks) -> None:
    """ "No thanks": nothing is stored and nobody is told."""
    await clinicians.decline(turn.db, pressed.code)
    turn.edit(_("No problem: nothing is shared. You can use Knee Coach on your own."))
    _carry_on_setup(turn)


@turn_handler
@keeps_question
async def physio(turn: Turn) -> None:
    """/physio: who sees the person's data now, with "Message my physio" and "Stop sharing";
    or how to share. /physio <text>: that message for them."""
    said = messages.command_text(turn)
    if said:
        await messages.write(turn, Relayed(said))
        return
    found = await clinicians.current_clinician(turn.db, turn.user)
    if found is None:
        turn.say(
            _(
                "Nobody sees your Knee Coach data. If your physiotherapist uses Knee Coach, "
                "open the invite link they give you to share your progress with them."
            )
        )
        return
    turn.say(
        _("You share your progress with {name}.").format(
            name=_who(Invitation(found.id, found.name, found.practice))
        )
        + "\n\n"
        + what_is_shared(found.name),
        [
            [(_("💬 Message my physio"), MessagePhysio(found.id).data())],
            [(_("🚫 Stop sharing"), StopSharing(found.id).data())],
        ],
    )


async def stop(turn: Turn, pressed: StopSharing) -> None:
    """ "Stop sharing": the link ends at once and the clinician is told."""
    ended = await clinicians.stop_sharing(
        turn.db, turn.user, pressed.clinician, turn.now, LinkEnd.PATIENT
    )
    if ended is None:
        turn.toast = _("You don't share with them any more.")
        return
    turn.edit(_("🚫 Done: {name} no longer sees your progress.").format(name=ended.name))


BUTTONS = (
    Button(Share, share),
    Button(NoThanks, no_thanks),
    Button(StopSharing, stop),
)
