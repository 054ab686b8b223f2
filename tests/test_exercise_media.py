"""/exercise and the 📖 buttons send the animation of the person's level with the instructions
as its caption; each file is uploaded once per bot and sent by file_id after that; files are
cached on disk under their content key; a broken drawing leaves the text alone."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select, update

from content.catalogue import load_catalogue
from content.poses import Animation, load_animations
from handlers.exercises import CAPTION_LIMIT, split_caption
from media.animation import animation_key, render_animation
from media.files import AnimationFiles
from storage.models import ExerciseLevel, UploadedFile

CATALOGUE = load_catalogue()
LEVELS = [
    (exercise.slug, number)
    for exercise in CATALOGUE.exercises
    for number in range(1, len(exercise.levels) + 1)
]
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def broken_render(_animation: Animation) -> bytes:
    """Stands in for a renderer that fails (it runs in the drawing process, so module-level)."""
    raise ValueError("no frames")


def not_a_gif(_animation: Animation) -> bytes:
    return b"\x00" * 100


class InlineDrawing:
    """The drawing process's interface, run in this process, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def run(self, function, *args):
        self.calls += 1
        return function(*args)


async def set_level(harness, user_id: int, slug: str, level: int) -> None:
    async with harness.services.database.transaction() as db:
        row = await db.get(ExerciseLevel, (user_id, slug))
        if row is None:
            db.add(ExerciseLevel(user_id=user_id, exercise=slug, level=level, changed_at=NOW))
        else:
            row.level = level


def gif_frames(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        return image.n_frames


async def test_every_level_is_sent_once_then_by_file_id(harness, ready_chat):
    """Every exercise × level: an animation of more than one frame, under 300 KB, with the
    instructions as caption; the second round sends every file by its file_id."""
    emulator = harness.emulator
    uploads_before = len(emulator.uploads)
    first_round: dict[tuple[str, int], str] = {}
    for rounds in range(2):
        for slug, level in LEVELS:
            await set_level(harness, ready_chat.user_id, slug, level)
            replies = await ready_chat.send(f"/exercise {slug}")
            [sent] = [event for event in replies.events if event.method == "sendAnimation"]
            name = CATALOGUE.get(slug).name
            assert sent.text.startswith(f"📖 {name}") and len(sent.text) <= CAPTION_LIMIT
            everything = "\n".join(event.text for event in replies.messages)
            assert "How to do it:" in everything and f"You're on level {level}." in everything
            exercise = CATALOGUE.get(slug)
            assert f"Dose: {exercise.dose_at(level).describe()}" in everything
            for number, step in enumerate(exercise.steps_at(level), start=1):
                assert f"{number}. {step}" in everything
            assert sent.filename == f"{slug}-{level}.gif"
            assert gif_frames(sent.document) > 1 and len(sent.document) < 300 * 1024
            if rounds == 0:
                assert sent.uploaded
                first_round[(slug, level)] = sent.file_id
            else:
                assert not sent.uploaded and sent.file_id == first_round[(slug, level)]
    assert len(emulator.uploads) - uploads_before == len(LEVELS)
    async with harness.services.database.transaction() as db:
        stored = {row.key: row.file_id for row in await db.scalars(select(UploadedFile))}
    animations = load_animations()
    for (slug, level), file_id in first_round.items():
        assert stored[animation_key(animations.get(slug, level))] == file_id


async def test_how_to_button_sends_the_level_or_the_opening_level(harness, ready_chat):
    today = await ready_chat.send("/today")
    how = await ready_chat.press("📖 Hip bump", today.last)
    [sent] = [event for event in how.events if event.method == "sendAnimation"]
    async with harness.services.database.transaction() as db:
        level = (await db.get(ExerciseLevel, (ready_chat.user_id, "hip_bump"))).level
    assert sent.filename == f"hip_bump-{level}.gif"
    # Not open yet: the level it opens at.
    locked = await ready_chat.send("/exercise reverse lunge")
    [sent] = [event for event in locked.events if event.method == "sendAnimation"]
    start = CATALOGUE.get("reverse_lunge").start_level
    assert sent.filename == f"reverse_lunge-{start}.gif"
    assert "Not in your program yet" in locked.text


async def test_a_new_token_uploads_again(harness, ready_chat):
    await ready_chat.send("/exercise hip bump")
    async with harness.services.database.transaction() as db:
        await db.execute(update(UploadedFile).values(bot_id=UploadedFile.bot_id + 1))
    before = len(harness.emulator.uploads)
    replies = await ready_chat.send("/exercise hip bump")
    [sent] = [event for event in replies.events if event.method == "sendAnimation"]
    assert sent.uploaded and len(harness.emulator.uploads) == before + 1


async def test_a_file_id_telegram_refuses_is_uploaded_again(harness, ready_chat):
    await ready_chat.send("/exercise hip bump")
    async with harness.services.database.transaction() as db:
        await db.execute(update(UploadedFile).values(file_id="forgotten-by-telegram"))
    replies = await ready_chat.send("/exercise hip bump")
    [sent] = [event for event in replies.events if event.method == "sendAnimation"]
    assert sent.uploaded
    async with harness.services.database.transaction() as db:
        assert set(await db.scalars(select(UploadedFile.file_id))) == {sent.file_id}


@pytest.mark.parametrize("render", [broken_render, not_a_gif])
async def test_a_broken_render_falls_back_to_text(harness, ready_chat, tmp_path, caplog, render):
    files = harness.services.animations
    files.render, files.directory = render, tmp_path / "empty"
    (tmp_path / "empty").mkdir()
    with caplog.at_level(logging.WARNING):
        replies = await ready_chat.send("/exercise sumo squat")
    assert not [event for event in replies.events if event.method == "sendAnimation"]
    [message] = replies.messages
    assert message.text.startswith("📖 Sumo squat") and "Levels (easier to harder)" in message.text
    assert "sorry" not in message.text.lower()
    assert any(
        record.levelno == logging.WARNING and "sumo_squat" in record.getMessage()
        for record in caplog.records
    )


def test_long_instructions_go_on_in_a_second_message():
    sections = ["📖 Name\nwhy", "How to do it:\n" + "step\n" * 300, "Dose: 3 sets", "Levels"]
    caption, rest = split_caption(sections)
    assert caption == "📖 Name\nwhy" and rest.startswith("How to do it:")
    assert split_caption(["a", "b"]) == ("a\n\nb", "")
    huge = "\n".join(f"line {number}" for number in range(300))
    caption, rest = split_caption([huge, "tail"])
    assert len(caption) <= CAPTION_LIMIT and f"{caption}\n{rest}" == f"{huge}\n\ntail"


async def test_files_are_cached_on_disk_and_drawn_again_when_their_data_changes(tmp_path):
    animations = load_animations()
    drawing = InlineDrawing()
    files = AnimationFiles(animations, drawing, tmp_path)  # type: ignore[arg-type]
    first = await files.gif("hip_bump", 1)
    assert first is not None and drawing.calls == 1
    key = files.key("hip_bump", 1)
    assert (tmp_path / f"hip_bump-1-{key}.gif").read_bytes() == first
    # Another process start reads the file instead of drawing it.
    again = AnimationFiles(animations, drawing, tmp_path)  # type: ignore[arg-type]
    assert await again.gif("hip_bump", 1) == first and drawing.calls == 1
    # A file cut short is drawn again.
    (tmp_path / f"hip_bump-1-{key}.gif").write_bytes(b"GI")
    assert await again.gif("hip_bump", 1) == first and drawing.calls == 2
    # Changed pose data: a new key, a new file, and the old one goes.
    changed = animations.get("hip_bump", 1).model_copy(update={"working": "right"})
    assert animation_key(changed) != key
    edited = AnimationFiles([changed], drawing, tmp_path)  # type: ignore[arg-type]
    data = await edited.gif("hip_bump", 1)
    assert data == render_animation(changed) and drawing.calls == 3
    assert [path.name for path in tmp_path.iterdir()] == [
        f"hip_bump-1-{edited.key('hip_bump', 1)}.gif"
    ]


async def test_a_folder_that_cannot_be_written_means_drawing_in_memory(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    drawing = InlineDrawing()
    with caplog.at_level(logging.WARNING):
        files = AnimationFiles(load_animations(), drawing, blocker / "media")  # type: ignore[arg-type]
        assert files.directory is None
        assert gif_frames(await files.gif("balance", 1)) > 1
    assert "in memory" in caplog.text


async def test_the_card_list_and_session_show_the_dose_of_the_persons_level(harness, ready_chat):
    """A weight is only mentioned once the person's level holds one: the sumo squat's body-weight
    level has no weight in its steps or dose; the squat to a surface says "add weight" at its
    dumbbell level only, on the card, in /exercises and in /today."""
    user = ready_chat.user_id
    await set_level(harness, user, "sumo_squat", 1)
    await set_level(harness, user, "squat_to_surface", 2)
    sumo = (await ready_chat.send("/exercise sumo squat")).text
    how, rest = sumo.split("How to do it:", 1)[1].split("Good form:", 1)
    assert "weight" not in how and "Dose: 8–12 reps, 3×/week" in rest
    squat = (await ready_chat.send("/exercise squat to a surface")).text
    assert "Dose: 8–12 reps, 3×/week" in squat
    assert "add weight" not in (await ready_chat.send("/exercises")).text
    assert "add weight" not in (await ready_chat.send("/today")).text

    await set_level(harness, user, "sumo_squat", 2)
    await set_level(harness, user, "squat_to_surface", 3)
    sumo = (await ready_chat.send("/exercise sumo squat")).text
    assert "holding a weight" in sumo.split("How to do it:", 1)[1]
    assert "Dose: 8–12 reps, start with a light weight, 3×/week" in sumo
    squat = (await ready_chat.send("/exercise squat to a surface")).text
    assert "Dose: 8–12 reps, add weight as your knee allows, 3×/week" in squat
    listed = (await ready_chat.send("/exercises")).text
    assert "Squat to a surface: 8–12 reps, add weight as your knee allows" in listed
    today = (await ready_chat.send("/today")).text
    assert "(With dumbbells): 8–12 reps, add weight as your knee allows" in today
