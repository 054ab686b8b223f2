"""The Patient-Specific Functional Scale (issue 24, item 8): activities in the person's words,
rated 0–10, and a later round compared with the first; bad input loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from content.catalogue import load_catalogue
from content.psfs import activity_name, change, mean, rating
from storage import people
from storage.models import PsfsActivity, PsfsRating, User
from tests.test_languages import english_runs
from tests.test_reminders import tick_at
from tests.test_report import pdf_text, the_document


async def rows(services, model) -> list:
    async with services.database.transaction() as db:
        return list(await db.scalars(select(model).order_by(model.id)))


async def test_a_first_round_names_activities_and_rates_each(harness, ready_chat):
    asked = await ready_chat.send("/psfs")
    assert "Which everyday activities does your knee make hard?" in asked.text
    added = await ready_chat.send("  climbing   stairs ")
    assert "Added: climbing stairs (1 of 3)" in added.text
    await ready_chat.send("kneeling in the garden")
    first = await ready_chat.press("That's all")
    assert "1 of 2: how well can you do “climbing stairs” today?" in first.text
    second = await ready_chat.press("4")
    assert "2 of 2: how well can you do “kneeling in the garden” today?" in second.text
    result = await ready_chat.send("7")  # typed works as well as a tap
    assert "climbing stairs: 4/10" in result.text and "kneeling in the garden: 7/10" in result.text
    assert "Mean: 5.5/10" in result.text and "starting point" in result.text
    activities = await rows(harness.services, PsfsActivity)
    assert [(a.position, a.name) for a in activities] == [
        (1, "climbing stairs"),
        (2, "kneeling in the garden"),
    ]
    assert [r.score for r in await rows(harness.services, PsfsRating)] == [4, 7]


async def test_four_weeks_later_the_same_activities_show_a_meaningful_change(harness, ready_chat):
    await ready_chat.send("/psfs")
    for name in ("stairs", "squatting", "walking an hour"):
        last = await ready_chat.send(name)
    assert "1 of 3" in last.text  # the third activity goes straight on to rating
    for score in ("3", "4", "5"):
        await ready_chat.send(score)
    harness.clock.set(harness.clock.now() + timedelta(days=28))
    again = await ready_chat.send("/psfs")
    assert "1 of 3: how well can you do “stairs” today?" in again.text
    for score in ("6", "6", "6"):
        result = await ready_chat.send(score)
    assert "Mean: 6/10" in result.text
    assert "Up 2 from 4: a change you can really feel" in result.text


async def test_bad_answers_get_a_hint_and_lose_nothing(harness, ready_chat):
    await ready_chat.send("/psfs")
    too_long = await ready_chat.send("x" * 61)
    assert "up to 60 characters" in too_long.text
    await ready_chat.send("stairs")
    await ready_chat.press("That's all")
    out_of_scale = await ready_chat.send("11")
    assert "stairs: " not in out_of_scale.text  # not taken as a rating
    assert not await rows(harness.services, PsfsRating)
    result = await ready_chat.send("10/10")
    assert "Mean: 10/10" in result.text
    assert [a.name for a in await rows(harness.services, PsfsActivity)] == ["stairs"]


async def test_done_while_naming_logs_the_session_and_ends_the_naming(harness, ready_chat):
    await ready_chat.send("/psfs")
    replies = await ready_chat.send("done")
    assert "✅ Logged" in replies.text
    assert not await rows(harness.services, PsfsActivity)


async def test_delete_erases_the_scale_too(harness, ready_chat):
    await ready_chat.send("/psfs")
    await ready_chat.send("stairs")
    await ready_chat.press("That's all")
    await ready_chat.send("5")
    async with harness.services.database.transaction() as db:
        user = await db.get(User, ready_chat.user_id)
        await people.delete_user(db, user)
    async with harness.services.database.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(PsfsRating)) == 0
        assert await db.scalar(select(func.count()).select_from(PsfsActivity)) == 0


def test_the_rules_mean_change_and_typed_ratings():
    rules = load_catalogue().program.psfs
    assert activity_name(rules, "stairs\x00 and\x1b\u200b  steps\n") == "stairs and steps"
    assert activity_name(rules, "\x00\x07") is None
    assert mean([3, 4, 6]) == 4.3
    assert change(rules, 4.3, 6.3).meaningful and not change(rules, 4.3, 6.2).meaningful
    assert change(rules, 6.0, 4.0).meaningful and change(rules, 6.0, 4.0).delta == -2.0
    assert [rating(text) for text in ("0", " 7 ", "7/10", "11", "-1", "7.5", "seven")] == [
        0,
        7,
        7,
        None,
        None,
        None,
        None,
    ]


async def test_a_round_in_russian_has_no_english_sentence(harness, ready_chat):
    await ready_chat.send("/language")
    await ready_chat.tap("lang:ru")
    asked = await ready_chat.send("/psfs")
    assert "Какие повседневные дела" in asked.text
    added = await ready_chat.send("подъём по лестнице")
    finish = await ready_chat.tap("psfsdone")
    result = await ready_chat.tap("psfs:")
    texts = [asked.text, added.text, finish.text, result.text]
    assert "Среднее: 0/10" in result.text
    assert not [run for text in texts for run in english_runs(text)]


async def test_progress_shows_the_latest_mean_and_the_first(harness, ready_chat):
    await ready_chat.send("done")
    await ready_chat.send("/psfs")
    await ready_chat.send("stairs")
    await ready_chat.tap("psfsdone")
    await ready_chat.send("3")
    first = await ready_chat.send("/progress")
    assert "Everyday activities (/psfs): 3/10 on" in first.text
    assert "first" not in first.text.split("Everyday activities")[1]
    harness.clock.set(harness.clock.now() + timedelta(days=28))
    await ready_chat.send("/psfs")
    await ready_chat.send("6")
    later = await ready_chat.send("/progress")
    line = next(row for row in later.text.splitlines() if "Everyday activities" in row)
    assert "6/10 on" in line and "(first 3/10 on" in line and "a change you can feel" in line


async def test_the_report_has_the_activities_table_with_the_change(harness, ready_chat):
    await ready_chat.send("done")
    await ready_chat.send("/psfs")
    await ready_chat.send("climbing stairs")
    await ready_chat.send("kneeling")
    await ready_chat.tap("psfsdone")
    await ready_chat.send("2")
    await ready_chat.send("4")
    first = " ".join(pdf_text(the_document(await ready_chat.send("/report")).document)[1].split())
    assert "Everyday activities (Patient-Specific Functional Scale" in first
    assert "A first round: the next one shows the change." in first
    harness.clock.set(harness.clock.now() + timedelta(days=28))
    await ready_chat.send("/psfs")
    await ready_chat.send("5")
    await ready_chat.send("6")
    later = " ".join(pdf_text(the_document(await ready_chat.send("/report")).document)[1].split())
    assert "climbing stairs 2 5 +3" in later and "kneeling 4 6 +2" in later
    assert "Mean 3 5.5 +2.5" in later
    assert "The mean moved by 2 points or more: a meaningful change." in later


async def test_the_weekly_check_in_offers_a_round_after_the_first_week(harness, ready_chat):
    await harness.engine.tick()  # joined on Wednesday 25 November
    await ready_chat.send("done")
    for day, hour in ((27, 17), (27, 20)):
        await tick_at(harness, datetime(2026, 11, day, hour, 0, tzinfo=UTC))
    weekly = [event for event in harness.emulator.events if "Your week" in event.text]
    assert "everyday-activities check" not in weekly[-1].text  # two days in: not yet
    for day, hour in ((30, 17), (32, 17), (34, 17), (34, 20)):  # to Friday 4 December
        await tick_at(
            harness, datetime(2026, 11, 1, hour, 0, tzinfo=UTC) + timedelta(days=day - 1)
        )
    weekly = [event for event in harness.emulator.events if "Your week" in event.text]
    assert len(weekly) == 2 and "everyday-activities check" in weekly[-1].text
    asked = await ready_chat.press("Rate my activities", weekly[-1])
    assert "Which everyday activities does your knee make hard?" in asked.text
