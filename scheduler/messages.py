"""What each kind of push says, given the user's state when it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from content.catalogue import Catalogue
from content.program import PlannedExercise
from handlers.checkins import MORNING_QUESTION
from handlers.views import DAY_FORMAT, Keyboard, pain_keyboard, session_keyboard, session_lines


@dataclass(frozen=True)
class Outgoing:
    text: str
    keyboard: Keyboard
    awaiting: str | None = None  # the question this push asks, for typed answers


def reminder(
    day: date, plan: list[PlannedExercise], *, missed_yesterday: bool, snoozed: bool
) -> Outgoing:
    opening = "⏰ Here's your reminder again." if snoozed else "⏰ Time for today's knee session!"
    if missed_yesterday:
        opening += " Yesterday slipped by; no problem, today is a fresh start."
    lines = [opening, "", *session_lines(plan)]
    return Outgoing(
        "\n".join(lines), session_keyboard(day, plan, loggable=True, snooze=not snoozed)
    )


def morning(session_day: date) -> Outgoing:
    return Outgoing(
        MORNING_QUESTION, pain_keyboard("morning", session_day), awaiting=f"morning:{session_day}"
    )


def nudge(missed_day: date) -> Outgoing:
    return Outgoing(
        f"Hi! We missed each other on {missed_day.strftime(DAY_FORMAT)}. No pressure: a short "
        "session today still counts, and every session helps your knee.",
        [[("📋 Today's session", "today")]],
    )


def weekly(catalogue: Catalogue, week_start: date, done: int, planned: int) -> Outgoing:
    week = f"{week_start.strftime('%d %b')}–{(week_start + timedelta(days=6)).strftime('%d %b')}"
    if done >= planned:
        return Outgoing(
            f"🎉 Your week ({week}): {done} of {planned} sessions done. That's exactly the "
            "rhythm that makes knees stronger over the coming weeks. Keep going!",
            [],
        )
    buttons = [
        (barrier.label, f"barrier:{week_start}:{barrier.key}")
        for barrier in catalogue.barriers.values()
    ]
    return Outgoing(
        f"Your week ({week}): {done} of {planned} planned sessions. That's fine, weeks differ. "
        "What got in the way most?",
        [buttons[index : index + 2] for index in range(0, len(buttons), 2)],
    )
