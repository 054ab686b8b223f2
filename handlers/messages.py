"""Messages both ways between a patient and their clinician, in Telegram: the patient's
"💬 Message my physio" (under /physio) then the message, or /physio <text>; a photo while the
bot waits for the message; either side's reply to a relayed copy in their chat; and how a
relayed copy reads. Everything goes through usecases.messages, whose access check is the only
way to the other side; the text is never logged."""

from __future__ import annotations

from content.alerts import Notice, Relayed
from content.i18n import _
from handlers import menu
from handlers.callbacks import MessagePhysio
from handlers.clinic import summary_button
from handlers.common import Button, Tap, Turn, turn_handler
from scheduler.outgoing import Keyboard, Outgoing
from usecases import clinicians, messages
from usecases.messages import Relay, Relaying

CANCEL = "msgcancel"


async def ask(turn: Turn, pressed: MessagePhysio) -> None:
    """ "💬 Message my physio": the next message (text, or a photo with a caption) is theirs."""
    name = await messages.ask(turn.db, turn.user, pressed.clinician)
    if name is None:
        turn.toast = _("You don't share with them any more.")
        return
    turn.say(
        _(
            "Write your message for {name} and send it: text, or a photo with a caption. "
            "I'll pass it on with your name."
        ).format(name=name),
        [[(_("✖️ Cancel"), CANCEL)]],
    )


async def cancel(turn: Turn) -> None:
    """ "Cancel" under the request for a message: nothing is waited for any more."""
    if messages.cancel(turn.user):
        turn.edit(_("No message, then. /physio lets you write one whenever you like."))
    else:
        turn.toast = _("Nothing to cancel.")


def command_text(turn: Turn) -> str:
    """What follows the command in "/physio <text>", as typed (lines and all)."""
    message = turn.update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1] if len(parts) == 2 else ""


async def write(turn: Turn, draft: Relayed) -> None:
    """The patient's message for the clinician they share with now."""
    outcome = await messages.to_clinician(turn.db, turn.user, draft, turn.now)
    _tell(turn, outcome, draft)


async def take(turn: Turn, draft: Relayed) -> bool:
    """A reply to a relayed message, or the message awaited after "Message my physio": relayed
    (or a friendly word why not). False for anything else, which the caller reads as usual;
    but a clinician's reply to a message that was not a patient's is told so."""
    message = turn.update.effective_message
    replied = message.reply_to_message if message else None
    clinician = None
    if replied is not None:
        clinician = await clinicians.clinician_of(turn.db, turn.user.id, turn.user.language)
        outcome = await messages.answer(
            turn.db, turn.user, clinician, replied.message_id, draft, turn.now
        )
        if outcome.result is not Relay.NOT_RELAYED:
            _tell(turn, outcome, draft)
            return True
    if messages.writing(turn.user):
        await write(turn, draft)
        return True
    if clinician is not None:
        turn.say(
            _(
                "I can only pass on a reply to a patient's message (the ones that start with "
                "💬). Nothing was sent."
            )
        )
        return True
    return False


@turn_handler
async def photo(turn: Turn) -> None:
    """A photo: relayed with its caption when it answers a relayed message or is the message
    awaited; otherwise what the bot can read instead."""
    message = turn.update.effective_message
    if message is None or not message.photo:
        return
    draft = Relayed(message.caption or "", message.photo[-1].file_id)
    if not await take(turn, draft):
        menu.say_not_text(turn)


def _tell(turn: Turn, outcome: Relaying, draft: Relayed) -> None:
    name = outcome.name or _("(no name)")
    if outcome.result is Relay.SENT:
        turn.say(_("✅ Sent to {name}.").format(name=name))
    elif outcome.result is Relay.TOO_LONG:
        turn.say(
            _(
                "That is longer than I can pass on ({count} characters; at most {most}). "
                "Please shorten it and send it again."
            ).format(count=messages.length(draft.text.strip()), most=outcome.most)
        )
    elif outcome.result is Relay.EMPTY:
        turn.say(_("There is nothing in that message to pass on: please write it again."))
    elif outcome.result is Relay.NOT_CONNECTED:
        turn.say(
            _("{name} can't get messages through Knee Coach yet: nothing was sent.").format(
                name=name
            )
        )
    else:
        _not_sharing(turn, outcome)


def _not_sharing(turn: Turn, outcome: Relaying) -> None:
    if outcome.to_patient:
        turn.say(_("This patient no longer shares their progress with you: nothing was sent."))
    elif outcome.name:
        turn.say(
            _("You no longer share your progress with {name}: nothing was sent.").format(
                name=outcome.name
            )
        )
    else:
        turn.say(
            _(
                "I can only pass a message on to a physiotherapist you share your progress "
                "with, and you share it with nobody now. If your physiotherapist uses Knee "
                "Coach, open the invite link they give you."
            )
        )


def relayed_words(notice: Notice, clinician_name: str, relayed: Relayed) -> Outgoing:
    """A relayed message as its recipient reads it, in their language: who sent it, the words
    as typed (a photo's caption), and how to answer; the clinician can open the summary."""
    buttons: Keyboard = []
    if notice.to_patient:
        name = clinician_name
    else:
        name = notice.patient_name or _("A patient")
        if notice.patient_id is not None:
            buttons.append([summary_button(notice.patient_id)])
    said = (
        _("💬 {name}: {text}").format(name=name, text=relayed.text)
        if relayed.text
        else _("💬 {name} sent a photo.").format(name=name)
    )
    return Outgoing(said + "\n\n" + _("↩️ Reply to this message to answer."), buttons)


BUTTONS = (Button(MessagePhysio, ask), Tap(CANCEL, cancel))
