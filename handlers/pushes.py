"""What each kind of push says: the reminder engine decides which push is due, and the
composition root hands it this renderer for the words and buttons."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.adherence import WeekTally
from content.alerts import Notice, Relayed
from content.catalogue import Catalogue
from content.i18n import _, current_language, day_month, day_name, ngettext
from content.states import Awaiting
from handlers.callbacks import ROUND_BUTTON, Barrier, MorningScore
from handlers.checkins import LATE_MORNING_QUESTION, MORNING_QUESTION
from handlers.clinic import care_notice
from handlers.digest import weekly_digest
from handlers.knee import gentle_line
from handlers.messages import relayed_words
from handlers.safety import hold_keyboard, hold_text, review_hold_text
from handlers.views import announce_return, score_keyboard, session_keyboard, session_lines
from scheduler.outgoing import Outgoing, TrainingDay
from usecases.clinicians import Clinician
from usecases.people import User
from usecases.safety import HoldView


class PushTexts:
    """The PushRenderer the engine is given. The engine renders each push inside
    use_language(the recipient's language); the catalogue's words (barrier tips) are taken
    from that language's catalogue."""

    def __init__(
        self, catalogue: Catalogue, catalogues: Mapping[str, Catalogue] | None = None
    ) -> None:
        self.catalogue = catalogue
        self.catalogues = catalogues or {}

    async def digest(
        self, db: AsyncSession, clinician: Clinician, now: datetime
    ) -> Outgoing | None:
        """The clinician's weekly digest, in the language set."""
        catalogue = self.catalogues.get(current_language(), self.catalogue)
        return await weekly_digest(db, catalogue, clinician, now)

    def care_notice(self, notice: Notice, clinician_name: str) -> Outgoing:
        """A care notice to a clinician or a patient, in the language set."""
        return care_notice(
            notice, clinician_name, self.catalogues.get(current_language(), self.catalogue)
        )

    def care_message(self, notice: Notice, clinician_name: str, relayed: Relayed) -> Outgoing:
        """A message relayed to a patient or a clinician, in the language set."""
        return relayed_words(notice, clinician_name, relayed)

    def _catalogue(self, user: User) -> Catalogue:
        return self.catalogues.get(user.language, self.catalogue)

    def reminder(self, user: User, training: TrainingDay) -> Outgoing:
        """The training-day reminder: the plan with done / snooze / skip buttons (no snooze on a
        snoozed one), gentler wording after sore days, the eased levels after a break."""
        day, plan = training.day, training.plan
        opening = (
            _("⏰ Here's your reminder again.")
            if training.snoozed
            else _("⏰ Time for today's knee session!")
        )
        if training.missed_yesterday:
            opening += " " + _("Yesterday slipped by; no problem, today is a fresh start.")
        lines = [opening, "", *session_lines(plan)]
        if training.gentle:
            lines[1:1] = ["", gentle_line(self._catalogue(user), plan)]
        if training.returned is not None:
            returned = training.returned
            eased = announce_return(
                self._catalogue(user), returned.moves, returned.last_session, day
            )
            lines[1:1] = ["", eased]
        return Outgoing(
            "\n".join(lines),
            session_keyboard(day, plan, loggable=True, snooze=not training.snoozed),
        )

    def morning(self, user: User, session_day: date, *, late: bool = False) -> Outgoing:
        """The morning question about the session of `session_day`; a typed number answers it.
        Past the morning, it asks about today instead of "this morning"."""
        return Outgoing(
            _(LATE_MORNING_QUESTION if late else MORNING_QUESTION),
            score_keyboard(MorningScore, session_day),
            awaiting=Awaiting.morning(session_day),
        )

    def followup(self, user: User, hold: HoldView, day: date) -> Outgoing:
        """A few days into a hold: could they see someone? The ways out open on `day`, and
        "Not yet"."""
        text = (
            _(
                "A few days ago I suggested having your knee checked. Have you been able to see "
                "a doctor or physiotherapist?"
            )
            + "\n\n"
            + hold_text(hold, self._catalogue(user))
        )
        return Outgoing(text, [*hold_keyboard(hold, day), [(_("Not yet"), "notyet")]])

    def nudge(self, user: User, missed_day: date) -> Outgoing:
        """The one nudge after a missed training day, with a button to today's session."""
        return Outgoing(
            _(
                "Hi! We missed each other on {day}. No pressure: a short session today still "
                "counts, and every session helps your knee."
            ).format(day=day_name(missed_day)),
            [[(_("📋 Today's session"), "today")]],
        )

    def weekly(
        self,
        user: User,
        tally: WeekTally,
        day_scores: dict[date, int] | None = None,
        *,
        review: HoldView | None = None,
        ask_activities: bool = False,
    ) -> Outgoing:
        """The weekly check-in: sessions done against planned, the week's knee scores, and the
        barrier buttons if short of the plan; when mornings stay high, the clinician review it
        holds the program for instead, with nothing to celebrate next to it."""
        knee = _knee_this_week(day_scores or {})
        if review is not None:
            advice = review_hold_text(self._catalogue(user), review.review, review.evidence)
            return Outgoing(
                _week_done(tally) + knee + "\n\n" + advice, hold_keyboard(review, review.since)
            )
        if tally.done >= tally.planned:
            outgoing = Outgoing(_week_on_plan(tally) + knee, [])
        else:
            buttons = [
                (barrier.label, Barrier(tally.week_start, barrier.key).data())
                for barrier in self._catalogue(user).barriers.values()
            ]
            outgoing = Outgoing(
                _week_short(tally) + knee + " " + _("What got in the way most?"),
                [buttons[index : index + 2] for index in range(0, len(buttons), 2)],
            )
        return _with_activities(outgoing) if ask_activities else outgoing


def _with_activities(outgoing: Outgoing) -> Outgoing:
    """The check-in with an invitation to a round of the functional scale."""
    text = _(
        "Time for your everyday-activities check: how do the things your knee makes hard go "
        "now? It takes a minute."
    )
    button = [(_("📝 Rate my activities"), ROUND_BUTTON)]
    return Outgoing(outgoing.text + "\n\n" + text, [*outgoing.keyboard, button], outgoing.awaiting)


def _week(tally: WeekTally) -> str:
    """The week as its first and last day, e.g. "30 Nov–6 Dec"."""
    return f"{day_month(tally.week_start)}–{day_month(tally.week_start + timedelta(days=6))}"


def _knee_this_week(day_scores: dict[date, int]) -> str:
    """The range of the week's day scores, opened by a space; empty without any."""
    if not day_scores:
        return ""
    low, high = min(day_scores.values()), max(day_scores.values())
    scores = f"{low}/10" if low == high else f"{low}–{high}/10"
    return " " + ngettext(
        "Your knee this week, on the day you told me: {scores}.",
        "Your knee this week, on the {count} days you told me: {scores}.",
        len(day_scores),
    ).format(count=len(day_scores), scores=scores)


def _week_done(tally: WeekTally) -> str:
    """The tally alone, beside the advice of a review: nothing to celebrate next to it."""
    return ngettext(
        "Your week ({week}): {done} of {planned} session done.",
        "Your week ({week}): {done} of {planned} sessions done.",
        tally.planned,
    ).format(week=_week(tally), done=tally.done, planned=tally.planned)


def _week_on_plan(tally: WeekTally) -> str:
    return ngettext(
        "🎉 Your week ({week}): {done} of {planned} sessions done. That's exactly the "
        "rhythm that makes knees stronger over the coming weeks. Keep going!",
        "🎉 Your week ({week}): {done} of {planned} sessions done. That's exactly the "
        "rhythm that makes knees stronger over the coming weeks. Keep going!",
        tally.planned,
    ).format(week=_week(tally), done=tally.done, planned=tally.planned)


def _week_short(tally: WeekTally) -> str:
    return ngettext(
        "Your week ({week}): {done} of {planned} planned sessions. That's fine, weeks differ.",
        "Your week ({week}): {done} of {planned} planned sessions. That's fine, weeks differ.",
        tally.planned,
    ).format(week=_week(tally), done=tally.done, planned=tally.planned)
