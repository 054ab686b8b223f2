"""Issue 24, slice A: clinicians claim their account with a one-time link, invite patients, and
see only those who consented; a patient declines, stops sharing at once, deletes or exports.
Run on SQLite and PostgreSQL through the emulator."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.cli import main
from content.states import LinkEnd
from media.qr import invite_qr
from sandbox.emulator import Fault
from storage import clinicians as store
from storage.models import CareLink, CareNotice, Clinician, ClinicianClaim, Invite, User
from tests.auxil.chat import Chat
from usecases import clinicians

ANA, BEN = 8101, 8102  # Telegram accounts of two clinicians
PATIENT, OTHER = 8201, 8202


async def add_clinician(harness, name: str = "Ana Ruiz", practice: str = "Knee Clinic") -> str:
    """A clinician added as the operator's command does; their one-time token."""
    async with harness.services.database.transaction() as db:
        added = await clinicians.add_clinician(db, name, practice, harness.clock.now())
    return added.token


async def clinician_chat(harness, user_id: int = ANA, name: str = "Ana Ruiz") -> Chat:
    """A clinician whose account is claimed."""
    chat = harness.chat(user_id, name.split()[0])
    token = await add_clinician(harness, name)
    welcome = await chat.send(f"/start clin_{token}")
    assert f"Welcome, {name}!" in welcome.text, welcome.text
    return chat


async def invite_code(chat: Chat) -> str:
    replies = await chat.send("/invite")
    found = re.search(
        r"https://t\.me/kneecoach_sandbox_bot\?start=p_([A-Za-z0-9_-]+)", replies.text
    )
    assert found, replies.text
    return found.group(1)


async def links(harness) -> list[CareLink]:
    async with harness.services.database.transaction() as db:
        return list(await db.scalars(select(CareLink).order_by(CareLink.id)))


async def notices(harness) -> list[CareNotice]:
    async with harness.services.database.transaction() as db:
        return list(await db.scalars(select(CareNotice).order_by(CareNotice.id)))


async def shared(harness, patient: Chat, code: str) -> None:
    offer = await patient.send(f"/start p_{code}")
    await patient.tap("share:", offer.with_buttons())


async def told(harness, chat_id: int, before: int) -> str:
    """What a chat other than the acting one got since `before` events, once the push
    engine has sent the notices due."""
    await harness.engine.tick()
    return "\n".join(
        event.text for event in harness.emulator.events[before:] if event.chat_id == chat_id
    )


async def test_a_claim_link_works_once_and_not_after_7_days(harness):
    ana = harness.chat(ANA, "Ana")
    token = await add_clinician(harness)
    async with harness.services.database.transaction() as db:
        stored = await db.scalar(select(ClinicianClaim.token_hash))
    assert stored is not None and token not in stored and len(stored) == 64  # hashed
    welcome = await ana.send(f"/start clin_{token}")
    assert "Welcome, Ana Ruiz!" in welcome.text and "Knee Clinic" in welcome.text
    again = await harness.chat(9999, "Mallory").send(f"/start clin_{token}")
    assert "used already" in again.text
    assert "Welcome, Ana Ruiz!" in (await ana.send(f"/start clin_{token}")).text  # her own
    assert "I don't know this clinician link" in (await ana.send("/start clin_nonsense")).text

    late = await add_clinician(harness, "Ben Ode")
    harness.clock.advance(timedelta(days=7, minutes=1))
    expired = await harness.chat(BEN, "Ben").send(f"/start clin_{late}")
    assert "expired" in expired.text
    async with harness.services.database.transaction() as db:
        accounts = dict((await db.execute(select(Clinician.name, Clinician.telegram_id))).all())
    assert accounts == {"Ana Ruiz": ANA, "Ben Ode": None}


async def test_invite_then_consent_is_stored_with_time_and_version(harness):
    ana = await clinician_chat(harness)
    code = await invite_code(ana)
    patient = harness.chat(PATIENT, "Pat")  # new to the bot
    offer = await patient.send(f"/start p_{code}")
    assert "Ana Ruiz (Knee Clinic) invites you" in offer.text
    for seen in ("sessions", "pain scores", "levels", "warning signs", "on hold", "messages"):
        assert seen in offer.text
    before = len(harness.emulator.events)
    done = await patient.press("Share with Ana Ruiz", offer.with_buttons())
    assert "You now share your progress with Ana Ruiz" in done.text
    assert "I understand" in str(done.with_buttons().buttons)  # on to the disclaimer
    assert "Pat now shares" in await told(harness, ANA, before)
    [link] = await links(harness)
    assert (link.user_id, link.wording_version, link.ended_at) == (PATIENT, 1, None)
    assert link.consented_at == harness.clock.now()
    patients = await ana.send("/patients")
    assert "\n\nPat: 0 of 1 session" in patients.text  # today's session may still come


async def test_an_existing_patient_declines_and_nothing_is_stored(harness, ready_chat):
    ana = await clinician_chat(harness)
    code = await invite_code(ana)
    offer = await ready_chat.send(f"/start p_{code}")
    before = len(harness.emulator.events)
    no = await ready_chat.press("No thanks", offer.with_buttons())
    assert "nothing is shared" in no.text
    assert await told(harness, ANA, before) == ""
    assert await links(harness) == []
    assert "Nobody sees your Knee Coach data" in (await ready_chat.send("/physio")).text


async def test_stop_sharing_on_physio_ends_the_link_at_once(harness, ready_chat):
    ana = await clinician_chat(harness)
    await shared(harness, ready_chat, await invite_code(ana))
    physio = await ready_chat.send("/physio")
    assert "You share your progress with Ana Ruiz (Knee Clinic)" in physio.text
    before = len(harness.emulator.events)
    stopped = await ready_chat.press("Stop sharing", physio.with_buttons())
    assert "Ana Ruiz no longer sees your progress" in stopped.text
    assert "Alex stopped sharing" in await told(harness, ANA, before)
    [link] = await links(harness)
    assert (link.ended_at, link.ended_by) == (harness.clock.now(), LinkEnd.PATIENT)
    assert "No patient shares" in (await ana.send("/patients")).text
    again = await ready_chat.press("Stop sharing", physio.with_buttons())  # an old button
    assert "don't share" in (again.toast or "")
    assert "Nobody sees your Knee Coach data" in (await ready_chat.send("/physio")).text


async def test_sharing_with_a_second_clinician_ends_the_first(harness, ready_chat):
    ana = await clinician_chat(harness)
    ben = await clinician_chat(harness, BEN, "Ben Ode")
    await shared(harness, ready_chat, await invite_code(ana))
    before = len(harness.emulator.events)
    await shared(harness, ready_chat, await invite_code(ben))
    assert "Alex stopped sharing" in await told(harness, ANA, before)
    assert "Alex now shares" in await told(harness, BEN, before)
    first, second = await links(harness)
    assert first.ended_by is LinkEnd.PATIENT and second.ended_at is None
    assert "No patient shares" in (await ana.send("/patients")).text
    assert "Alex" in (await ben.send("/patients")).text


async def test_the_access_check_refuses_everyone_but_a_live_consented_link(harness, ready_chat):
    ana = await clinician_chat(harness)
    await clinician_chat(harness, BEN, "Ben Ode")
    other = harness.chat(OTHER, "Sam")
    await other.onboard("London")
    stopped = harness.chat(PATIENT, "Pat")
    await stopped.onboard()
    code = await invite_code(ana)
    await shared(harness, ready_chat, code)
    await shared(harness, stopped, code)
    physio = await stopped.send("/physio")
    await stopped.press("Stop sharing", physio.with_buttons())
    async with harness.services.database.transaction() as db:
        ana_id = (await store.clinician_of_account(db, ANA)).id
        ben_id = (await store.clinician_of_account(db, BEN)).id
        users_before = list(await db.scalars(select(User.id).order_by(User.id)))
        assert (await store.reach(db, ana_id, ready_chat.user_id)).id == ready_chat.user_id
        assert await store.reach(db, ben_id, ready_chat.user_id) is None  # another's patient
        assert await store.reach(db, ana_id, OTHER) is None  # never linked
        assert await store.reach(db, ana_id, PATIENT) is None  # stopped sharing
        ben = await store.clinician(db, ben_id)
        assert await clinicians.patients_of(db, ben) == []
        ana_row = await store.clinician(db, ana_id)
        assert [p.user_id for p in await clinicians.patients_of(db, ana_row)] == [
            ready_chat.user_id
        ]
        assert await clinicians.patient(db, ana_row, PATIENT) is None
        assert await clinicians.patient(db, ben, ready_chat.user_id) is None
    async with harness.services.database.transaction() as db:
        assert list(await db.scalars(select(User.id).order_by(User.id))) == users_before
    assert len(await links(harness)) == 2  # nothing changed by looking
    # A removed clinician reaches nobody, and their links end as history.
    async with harness.services.database.transaction() as db:
        assert await clinicians.remove_clinician(db, ana_id, harness.clock.now())
    async with harness.services.database.transaction() as db:
        assert await store.reach(db, ana_id, ready_chat.user_id) is None
    assert [link.ended_by for link in await links(harness)] == [LinkEnd.REMOVED, LinkEnd.PATIENT]
    assert "no longer works" in (await other.send(f"/start p_{code}")).text


async def test_an_account_is_one_clinician_and_never_its_own_patient(harness):
    ana = await clinician_chat(harness)
    second = await add_clinician(harness, "Ana Ruiz", "Second Clinic")
    taken = await ana.send(f"/start clin_{second}")
    assert "already a clinician account" in taken.text
    own = await ana.send(f"/start p_{await invite_code(ana)}")
    assert "your own invite link" in own.text and not any(event.buttons for event in own.events)
    assert await links(harness) == []


def without_wake(harness) -> None:
    """Turns no longer ask the engine to send their notices at once: as after a crash right
    after the commit, only the queue (and the next tick) can send them."""
    data = harness.application.bot_data
    data.services = replace(data.services, wake_notices=None)


async def test_the_clinician_is_told_once_from_the_queue_even_after_a_restart(harness):
    without_wake(harness)
    ana = await clinician_chat(harness)
    code = await invite_code(ana)
    patient = harness.chat(PATIENT, "Pat")
    before = len(harness.emulator.events)
    offer = await patient.send(f"/start p_{code}")
    await patient.tap("share:", offer.with_buttons())
    # Committed with the consent, not yet sent: a restart now would still send it.
    assert [event for event in harness.emulator.events[before:] if event.chat_id == ANA] == []
    [pending] = await notices(harness)
    assert (pending.status, pending.kind, pending.patient_name) == ("pending", "started", "Pat")
    assert "Pat now shares" in await told(harness, ANA, before)
    [sent] = await notices(harness)
    assert (sent.status, sent.patient_name, sent.sent_at) == ("sent", "", harness.clock.now())
    again = len(harness.emulator.events)
    assert await told(harness, ANA, again) == ""  # once


async def test_a_clinician_who_blocked_the_bot_is_not_told_and_the_patient_carries_on(harness):
    ana = await clinician_chat(harness)
    code = await invite_code(ana)
    harness.emulator.faults.append(Fault(status=403, method="sendMessage", chat_id=ANA))
    patient = harness.chat(PATIENT, "Pat")
    offer = await patient.send(f"/start p_{code}")
    done = await patient.tap("share:", offer.with_buttons())
    assert "You now share your progress with Ana Ruiz" in done.text
    assert "I understand" in str(done.with_buttons().buttons)
    await harness.engine.tick()
    [failed] = await notices(harness)
    assert failed.status == "failed"
    [link] = await links(harness)
    assert link.ended_at is None


async def test_invite_is_for_clinicians_and_invite_new_revokes_the_old(harness, ready_chat):
    assert "This command is for clinicians" in (await ready_chat.send("/invite")).text
    assert "This command is for clinicians" in (await ready_chat.send("/patients")).text
    ana = await clinician_chat(harness)
    old = await invite_code(ana)
    assert await invite_code(ana) == old  # the same link until renewed
    renewed = await ana.send("/invite new")
    assert "the old one no longer works" in renewed.text
    [qr] = [event for event in renewed.events if event.method == "sendPhoto"]
    assert qr.document.startswith(b"\x89PNG") and qr.filename == "invite-qr.png"
    link = re.search(r"https://\S+", qr.text).group()
    assert qr.document == invite_qr(link)  # the picture is the caption's link
    new = await invite_code(ana)
    assert new != old and len(new) >= 12
    assert "no longer works" in (await ready_chat.send(f"/start p_{old}")).text
    assert "invites you" in (await ready_chat.send(f"/start p_{new}")).text
    async with harness.services.database.transaction() as db:
        live = await db.scalar(select(func.count()).where(Invite.revoked_at.is_(None)))
    assert live == 1


async def test_delete_removes_the_links_and_tells_the_clinician(harness, ready_chat):
    ana = await clinician_chat(harness)
    await shared(harness, ready_chat, await invite_code(ana))
    question = await ready_chat.send("/delete")
    before = len(harness.emulator.events)
    await ready_chat.press("Yes, delete everything", question.last)
    assert "Alex stopped sharing" in await told(harness, ANA, before)
    assert await links(harness) == []
    assert "No patient shares" in (await ana.send("/patients")).text


async def test_export_lists_the_consent_history(harness, ready_chat):
    ana = await clinician_chat(harness)
    code = await invite_code(ana)
    await shared(harness, ready_chat, code)
    physio = await ready_chat.send("/physio")
    harness.clock.advance(timedelta(hours=1))
    await ready_chat.press("Stop sharing", physio.with_buttons())
    await shared(harness, ready_chat, code)
    replies = await ready_chat.send("/export")
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    rows = list(csv.DictReader(io.StringIO(document.document.decode("utf-8"))))
    consents = [row for row in rows if row["record"] == "consent"]
    assert [row["value"] for row in consents] == ["Ana Ruiz (Knee Clinic)"] * 2
    assert "you stopped sharing" in consents[0]["detail"]
    assert consents[0]["code"] == "wording=v1;ended_by=patient"
    assert consents[1]["detail"] == "sharing now"


async def test_a_russian_patient_and_a_spanish_clinician_each_read_their_own(harness):
    harness.emulator.language_codes[ANA] = "es"
    harness.emulator.language_codes[PATIENT] = "ru"
    ana = harness.chat(ANA, "Ana")
    token = await add_clinician(harness)
    welcome = await ana.send(f"/start clin_{token}")
    assert "¡Hola, Ana Ruiz! Esta cuenta de Telegram es ahora la cuenta profesional" in (
        welcome.text
    )
    code = await invite_code(ana)
    patient = harness.chat(PATIENT, "Маша")
    offer = await patient.send(f"/start p_{code}")
    assert "Ana Ruiz" in offer.text and "приглашает" in offer.text
    before = len(harness.emulator.events)
    done = await patient.tap("share:", offer.with_buttons())
    assert "Ana Ruiz" in done.text and "делитесь" in done.text
    spanish = await told(harness, ANA, before)
    assert "Маша" in spanish and "comparte" in spanish
    physio = await patient.send("/physio")
    before = len(harness.emulator.events)
    stopped = await patient.tap("stopshare:", physio.with_buttons())
    assert "больше не видит" in stopped.text
    assert "dejó de compartir" in await told(harness, ANA, before)


def test_the_clinician_command_adds_lists_and_removes(tmp_path, capsys, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("KNEECOACH_BOT_USERNAME", "knee_bot")
    monkeypatch.delenv("KNEECOACH_TOKEN", raising=False)
    assert (
        main(["clinician", "--database-url", url, "add", "Ana Ruiz", "--practice", "Knee Clinic"])
        == 0
    )
    out = capsys.readouterr().out
    link = re.search(r"https://t\.me/knee_bot\?start=clin_([A-Za-z0-9_-]{22,})", out)
    assert link, out
    assert f"/start clin_{link.group(1)}" in out
    assert main(["clinician", "--database-url", url, "list"]) == 0
    assert "1\tAna Ruiz\tKnee Clinic\tlink not opened yet" in capsys.readouterr().out
    assert main(["clinician", "--database-url", url, "remove", "1"]) == 0
    assert main(["clinician", "--database-url", url, "remove", "1"]) == 1
    capsys.readouterr()
    assert main(["clinician", "--database-url", url, "list"]) == 0
    assert "1\tAna Ruiz\tKnee Clinic\tremoved" in capsys.readouterr().out
