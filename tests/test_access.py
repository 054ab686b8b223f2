"""Issue 24's access rule, tried with every clinician button that names a patient: a
clinician reaches a patient only through a live, consented link. Another clinician's patient,
a patient who shares with nobody, one who stopped sharing and an id that is nobody's are all
refused alike: nothing changed, nothing shown, nobody told."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import func, select

from content.edits import Edit
from handlers import callbacks
from handlers.callbacks import Callback, Pausing
from storage.models import Base
from tests.test_alerts import linked_patient
from tests.test_clinicians import BEN, PATIENT, clinician_chat

OTHER = 8299  # a person who uses the bot and shares with nobody
NOBODY = 4242424242


def patient_buttons() -> list[type[Callback]]:
    """Every kind of button whose data names a patient: a new one is tried here unasked."""
    return [
        kind
        for kind in vars(callbacks).values()
        if isinstance(kind, type)
        and issubclass(kind, Callback)
        and kind is not Callback
        and "patient" in {field.name for field in dataclasses.fields(kind)}  # type: ignore[arg-type]
    ]


def pressed(kind: type[Callback], patient: int) -> str:
    """The button's data for that patient, its other values the first they can be."""
    values: dict[str, object] = {"patient": patient}
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        if field.name != "patient":
            values[field.name] = SAMPLES[field.name]
    return kind(**values).data()


# Values for the other fields of patient buttons, by field name.
SAMPLES: dict[str, object] = {
    "day": date(2026, 11, 25),
    "exercise": "hip_bump",
    "edit": Edit.DOWN,  # Hip bump starts at level 2: down would change it
    "level": 2,
    "pausing": Pausing.PAUSE,
}


async def table_counts(harness) -> dict[str, int]:
    async with harness.services.database.transaction() as db:
        return {
            table.name: await db.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name not in {"inbox", "pushes"}
        }


def test_the_patient_buttons_are_found():
    names = {kind.__name__ for kind in patient_buttons()}
    assert {"PatientSummary", "ClearHold", "PatientProgram", "ProgramEdit", "ProgramPause"} <= (
        names
    )


@pytest.mark.parametrize("who", ["another clinician's", "unlinked", "stopped", "nobody"])
async def test_no_clinician_button_reaches_a_patient_she_does_not_reach(harness, who):
    ana, pat = await linked_patient(harness)
    await pat.send("/redflags")
    await pat.tap("redflag:chest")  # on hold: the clearance would change something
    other = harness.chat(OTHER, "Olga")
    await other.onboard()
    actor, target = ana, PATIENT
    if who == "another clinician's":
        actor = await clinician_chat(harness, BEN, "Ben Ode")
    elif who == "unlinked":
        target = OTHER
    elif who == "stopped":
        physio = await pat.send("/physio")
        await pat.tap("stopshare:", physio.with_buttons())
    else:
        target = NOBODY
    await harness.engine.tick()
    before_rows = await table_counts(harness)
    before = len(harness.emulator.events)
    for kind in patient_buttons():
        tried = await actor.press_data(pressed(kind, target))
        assert tried.toast == "This patient no longer shares their progress with you.", kind
    await harness.engine.tick()
    shown = [
        event
        for event in harness.emulator.events[before:]
        if event.method != "answerCallbackQuery"
    ]
    assert shown == []  # no message, file or edit to anyone
    assert await table_counts(harness) == before_rows
