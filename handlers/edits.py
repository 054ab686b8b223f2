"""The words of a clinician's program edits: the patient's program as the clinician sees it,
with a row of buttons per exercise and ⏸ / ▶️, the toast a refused edit answers with, and
what the patient is told of the change (in the patient's language, naming the clinician).
The buttons' handlers are in handlers.clinic, beside the clinician's other buttons."""

from __future__ import annotations

from content.alerts import Notice
from content.catalogue import Catalogue
from content.edits import Edit, ProgramChange, Refusal
from content.i18n import N_, _
from content.states import NoticeKind
from handlers.callbacks import Pausing, ProgramEdit, ProgramPause
from handlers.history import level_line
from scheduler.outgoing import Keyboard, Outgoing
from usecases.program_edits import EASED, Program

# The notices of a clinician's program edits, which edit_notice words.
EDIT_NOTICES = (NoticeKind.EDITED, NoticeKind.PAUSED, NoticeKind.RESUMED)

# What a refused edit's toast says; {exercise} is the exercise's name.
REFUSALS = {
    Refusal.TOP: N_("{exercise} is at its hardest level already."),
    Refusal.BOTTOM: N_("{exercise} is at its easiest level already; 🔒 takes it out."),
    Refusal.LAST: N_("The program needs one exercise at least: ⏸ pauses it instead."),
    Refusal.CHANGED: N_("The program had changed meanwhile: here it is as it is now."),
    Refusal.UNKNOWN: N_("That exercise is not in the program."),
}


def program_text(shown: Program, catalogue: Catalogue, name: str, hold_days: int) -> str:
    """Every exercise in the program's order at its level, or locked; whether reminders are
    paused or a hold stops the program; and what the automatic rules do after an edit."""
    lines = [_("✏️ {name}'s program:").format(name=name)]
    for exercise in catalogue.exercises:
        level = shown.levels.get(exercise.slug)
        if level is None:
            lines.append(_("🔒 {exercise}: locked").format(exercise=exercise.name))
        else:
            lines.append(level_line(exercise, level))
    if shown.on_hold:
        lines.append("\n" + _("On hold: no sessions until the hold is cleared."))
    if shown.paused:
        lines.append("\n" + _("⏸ Reminders are paused."))
    rules = _(
        "A change applies at once and {name} is told it is yours. The automatic rules step "
        "an exercise you changed up again only after {days} days; they still step it down "
        "for pain."
    )
    lines.append("\n" + rules.format(name=name, days=hold_days))
    return "\n".join(lines)


def program_keyboard(shown: Program, catalogue: Catalogue) -> Keyboard:
    """⬇️ / ⬆️ / 🔒 for each open exercise, 🔓 for each locked one, then ⏸ or ▶️; each edit
    button carries the level it was shown at."""
    patient = shown.patient.user_id
    rows: Keyboard = []
    for exercise in catalogue.exercises:
        level = shown.levels.get(exercise.slug, 0)
        data = {edit: ProgramEdit(patient, exercise.slug, edit, level).data() for edit in Edit}
        if level:
            down = _("⬇️ {exercise}").format(exercise=exercise.name)
            rows.append([(down, data[Edit.DOWN]), ("⬆️", data[Edit.UP]), ("🔒", data[Edit.LOCK])])
        else:
            opening = _("🔓 Open {exercise}").format(exercise=exercise.name)
            rows.append([(opening, data[Edit.OPEN])])
    if shown.paused:
        rows.append([(_("▶️ Resume program"), ProgramPause(patient, Pausing.RESUME).data())])
    else:
        rows.append([(_("⏸ Pause program"), ProgramPause(patient, Pausing.PAUSE).data())])
    return rows


def refusal_toast(refused: Refusal, catalogue: Catalogue, exercise: str = "") -> str:
    """The toast of an edit that changed nothing, naming the exercise (by its slug) if any."""
    found = catalogue.get(exercise)
    return _(REFUSALS[refused]).format(exercise=found.name if found else exercise)


def edit_notice(notice: Notice, clinician: str, catalogue: Catalogue) -> Outgoing:
    """What the patient is told of their clinician's change, by the clinician's name."""
    if notice.kind is NoticeKind.PAUSED:
        text = _(
            "⏸ {clinician} paused your program: no reminders until they resume it or you "
            "send /resume. Your progress is kept."
        ).format(clinician=clinician)
    elif notice.kind is NoticeKind.RESUMED:
        text = _(
            "▶️ {clinician} resumed your program: reminders come again from your next training day."
        ).format(clinician=clinician)
        if notice.detail == EASED:
            text += " " + _("After the break, each exercise starts one level easier.")
    else:
        text = _change_text(ProgramChange.read(notice.detail), clinician, catalogue)
    return Outgoing(text, [])


def _change_text(change: ProgramChange | None, clinician: str, catalogue: Catalogue) -> str:
    """The change in words; one that does not read back (or an exercise this version does
    not know) is told without its detail."""
    exercise = None if change is None else catalogue.get(change.exercise)
    if change is None or exercise is None:
        return _("✏️ {clinician} changed your program. Send /today to see it.").format(
            clinician=clinician
        )
    if change.after == 0:
        what = _("✏️ {clinician} took {exercise} out of your sessions for now.")
    elif change.before == 0:
        what = _(
            "✏️ {clinician} opened {exercise} for you: it is in your sessions from now on, at "
            "level {level} of {total} ({label})."
        )
    else:
        what = _("✏️ {clinician} set {exercise} to level {level} of {total} ({label}).")
    level = exercise.level(change.after or 1)
    told = what.format(
        clinician=clinician,
        exercise=exercise.name,
        level=change.after,
        total=len(exercise.levels),
        label=level.label,
    )
    return told + "\n" + _("Send /today for today's session.")
