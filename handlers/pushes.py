"""What each kind of push says: the reminder engine decides which push is due, and the
composition root hands it this renderer for the words and buttons."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from content.catalogue import Catalogue
from content.i18n import _, day_month, day_name, ngettext
from content.program import PlannedExercise
from handlers.checkins import MORNING_QUESTION
from handlers.knee import GENTLE
from handlers.views import pain_keyboard, session_keyboard, session_lines
from scheduler.outgoing import Outgoing
from storage.models import User
from storage.states import Awaiting


class PushTexts:
    """The PushRenderer the engine is given. The engine renders each push inside
    use_language(the recipient's language); the catalogue's words (barrier tips) are taken
    from that language's catalogue."""

    def __init__(
        self, catalogue: Catalogue, catalogues: Mapping[str, Catalogue] | None = None
    ) -> None:
        self.catalogue = catalogue
        self.catalogues = catalogues or {}

    def _catalogue(self, user: User) -> Catalogue:
        return self.catalogues.get(user.language, self.catalogue)

    def reminder(
        self,
        user: User,
        day: date,
        plan: list[PlannedExercise],
        *,
        missed_yesterday: bool,
        snoozed: bool,
        gentle: bool = False,
    ) -> Outgoing:
        """The training-day reminder: the plan with done / snooze / skip buttons (no snooze on a
        snoozed one), gentler wording after sore days."""
        opening = (
            _("⏰ Here's your reminder again.")
            if snoozed
            else _("⏰ Time for today's knee session!")
        )
        if missed_yesterday:
            opening += " " + _("Yesterday slipped by; no problem, today is a fresh start.")
        lines = [opening, "", *session_lines(plan)]
        if gentle:
            limit = self.catalogue.program.pain.acceptable_max
            lines[1:1] = ["", _(GENTLE).format(limit=limit)]
        return Outgoing(
            "\n".join(lines), session_keyboard(day, plan, loggable=True, snooze=not snoozed)
        )

    def morning(self, user: User, session_day: date) -> Outgoing:
        """The morning question about the session of `session_day`; a typed number answers it."""
        return Outgoing(
            _(MORNING_QUESTION),
            pain_keyboard("morning", session_day),
            awaiting=Awaiting.morning(session_day),
        )

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
        week_start: date,
        done: int,
        planned: int,
        day_scores: dict[date, int] | None = None,
        *,
        high_mornings: float | None = None,
    ) -> Outgoing:
        """The weekly check-in: sessions done against planned, the week's knee scores, a
        clinician review when mornings stay high, and the barrier buttons if short of the plan."""
        last = week_start + timedelta(days=6)
        week = f"{day_month(week_start)}–{day_month(last)}"
        knee = ""
        if day_scores:
            low, high = min(day_scores.values()), max(day_scores.values())
            scores = f"{low}/10" if low == high else f"{low}–{high}/10"
            knee = " " + ngettext(
                "Your knee this week, on the day you told me: {scores}.",
                "Your knee this week, on the {count} days you told me: {scores}.",
                len(day_scores),
            ).format(count=len(day_scores), scores=scores)
        review = ""
        if high_mornings is not None:
            review = "\n\n" + _(
                "🩺 Your knee has been {usual}/10 on a usual morning lately, more than the "
                "{limit}/10 it should settle to. Nothing moves up while that lasts, and it's "
                "worth having a doctor or physiotherapist review your knee and your program."
            ).format(usual=f"{high_mornings:g}", limit=self.catalogue.program.pain.acceptable_max)
        if done >= planned:
            return Outgoing(
                ngettext(
                    "🎉 Your week ({week}): {done} of {planned} sessions done. That's exactly the "
                    "rhythm that makes knees stronger over the coming weeks. Keep going!",
                    "🎉 Your week ({week}): {done} of {planned} sessions done. That's exactly the "
                    "rhythm that makes knees stronger over the coming weeks. Keep going!",
                    planned,
                ).format(week=week, done=done, planned=planned)
                + knee
                + review,
                [],
            )
        buttons = [
            (barrier.label, f"barrier:{week_start}:{barrier.key}")
            for barrier in self._catalogue(user).barriers.values()
        ]
        return Outgoing(
            ngettext(
                "Your week ({week}): {done} of {planned} planned sessions. That's fine, weeks "
                "differ.",
                "Your week ({week}): {done} of {planned} planned sessions. That's fine, weeks "
                "differ.",
                planned,
            ).format(week=week, done=done, planned=planned)
            + knee
            + " "
            + _("What got in the way most?")
            + review,
            [buttons[index : index + 2] for index in range(0, len(buttons), 2)],
        )
