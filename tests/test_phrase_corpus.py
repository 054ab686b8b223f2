"""The phrase corpus (tests/data/phrases/*.tsv): every phrasing people type, read by the parser,
with the understood share per language and per kind (printed with `pytest -s`, and in the
failure message); 98 % or better per language. A sample is played through the emulator."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select

from content.i18n import LANGUAGES, _, use_language
from content.states import PainKind, PushKind, Question
from content.understanding import Intent, Reply, parse_days, parse_reply, parse_time
from handlers.replies import NOT_UNDERSTOOD
from storage.models import KneeEvent, PainCheckin, Push, SessionExercise, SessionLog, User

PHRASES = Path(__file__).parent / "data" / "phrases"
MIN_PHRASES = 150
MIN_SHARE = 0.98
SHORT = {"squats": "squat_to_surface|sumo_squat"}
# The corpus's words for which pain a reply names (see data/phrases/README.md).
WHEN = {
    "any": None,
    "during": PainKind.DURING,
    "morning": PainKind.NEXT_MORNING,
    "today": PainKind.DAY,
}
INTENTS = {
    "done": Intent.DONE,
    "skip": Intent.SKIP,
    "later": Intent.LATER,
    "pain": Intent.PAIN,
    "correction": Intent.PAIN,
    "knee": Intent.KNEE,
    "gave_way": Intent.GAVE_WAY,
    "yes": Intent.YES,
    "no": Intent.NO,
    "out_of_range": Intent.PAIN_OUT_OF_RANGE,
    "unknown": Intent.UNKNOWN,
}
PLAN = frozenset({"balance", "hip_bump", "squat_to_surface"})  # a new person's session


@dataclass(frozen=True)
class Phrase:
    language: str
    line: int
    text: str
    kind: str
    reading: dict[str, str]
    play: bool

    def __str__(self) -> str:
        return f"{self.language}.tsv:{self.line} {self.text[:60]!r}"


def load(language: str) -> list[Phrase]:
    found = []
    lines = (PHRASES / f"{language}.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#"):
            continue
        text, kind, reading, *play = line.split("\t")
        pairs = dict(pair.split("=", 1) for pair in reading.split() if reading != "-")
        found.append(Phrase(language, number, text, kind, pairs, play == ["*"]))
    return found


ALL = [phrase for language in LANGUAGES for phrase in load(language)]


def mentions(written: str | None) -> frozenset[frozenset[str]]:
    if not written:
        return frozenset()
    return frozenset(
        frozenset(SHORT.get(mention, mention).split("|")) for mention in written.split(";")
    )


def misreading(phrase: Phrase) -> str | None:
    """What the parser got wrong about the phrase, or None when it read it as meant."""
    expected, language = phrase.reading, phrase.language
    if phrase.kind == "time":
        at = parse_time(phrase.text, language)
        wanted = None if expected["at"] == "none" else time.fromisoformat(expected["at"])
        return None if at == wanted else f"time {at}, wanted {wanted}"
    if phrase.kind == "days":
        days = parse_days(phrase.text, language)
        wanted_days = (
            None
            if expected["days"] == "none"
            else tuple(int(day) for day in expected["days"].split(","))
        )
        return None if days == wanted_days else f"days {days}, wanted {wanted_days}"
    reply = parse_reply(phrase.text, language)
    return _reply_misreading(phrase, reply)


def _reply_misreading(phrase: Phrase, reply: Reply) -> str | None:
    expected = phrase.reading
    checks = [
        ("intent", reply.intent, INTENTS[phrase.kind]),
        ("score", reply.score, int(expected["score"]) if "score" in expected else None),
        ("did", frozenset(reply.did), mentions(expected.get("did"))),
        ("skipped", frozenset(reply.skipped), mentions(expected.get("skipped"))),
        ("correction", reply.correction, phrase.kind == "correction"),
        ("unnamed", reply.unnamed, expected.get("unnamed") == "yes"),
    ]
    if "when" in expected:
        checks.append(("when", reply.when, WHEN[expected["when"]]))
    if "explicit" in expected:
        checks.append(("explicit", reply.explicit, expected["explicit"] == "yes"))
    if "knee" in expected:
        checks.append(("knee", reply.knee, expected["knee"] == "yes"))
    wrong = [f"{name} {got!r}, wanted {wanted!r}" for name, got, wanted in checks if got != wanted]
    return "; ".join(wrong) or None


def shares() -> tuple[dict[str, float], dict[tuple[str, str], tuple[int, int]], list[str]]:
    """Understood share per language; (understood, all) per language and kind; what failed."""
    per_kind: Counter[tuple[str, str]] = Counter()
    understood: Counter[tuple[str, str]] = Counter()
    failures = []
    for phrase in ALL:
        per_kind[phrase.language, phrase.kind] += 1
        wrong = misreading(phrase)
        if wrong is None:
            understood[phrase.language, phrase.kind] += 1
        else:
            failures.append(f"{phrase}: {wrong}")
    by_language = {
        language: sum(understood[key] for key in per_kind if key[0] == language)
        / sum(per_kind[key] for key in per_kind if key[0] == language)
        for language in LANGUAGES
    }
    table = {key: (understood[key], count) for key, count in per_kind.items()}
    return by_language, table, failures


def report(by_language, table) -> str:
    kinds = sorted({kind for _language, kind in table})
    lines = ["kind".ljust(14) + "".join(language.rjust(12) for language in LANGUAGES)]
    for kind in kinds:
        cells = []
        for language in LANGUAGES:
            got, count = table.get((language, kind), (0, 0))
            cells.append(f"{got}/{count}".rjust(12) if count else "-".rjust(12))
        lines.append(kind.ljust(14) + "".join(cells))
    lines.append(
        "understood".ljust(14)
        + "".join(f"{by_language[language]:.1%}".rjust(12) for language in LANGUAGES)
    )
    return "\n".join(lines)


def test_the_corpus_is_understood_per_language():
    by_language, table, failures = shares()
    summary = report(by_language, table)
    print("\nPhrase corpus, understood per kind and language:\n" + summary)
    for line in failures:
        print("  misread:", line)
    for language in LANGUAGES:
        assert sum(1 for phrase in ALL if phrase.language == language) >= MIN_PHRASES, language
        assert by_language[language] >= MIN_SHARE, summary + "\n" + "\n".join(failures)


def test_every_line_is_well_formed():
    for phrase in ALL:
        assert phrase.kind in {*INTENTS, "time", "days"}, phrase
        assert set(phrase.reading) <= {
            "score",
            "when",
            "explicit",
            "did",
            "skipped",
            "unnamed",
            "knee",
            "at",
            "days",
        }, phrase
        if phrase.play:
            assert phrase.kind in PLAYED, f"{phrase}: {phrase.kind} is not played"


# -- a sample through the emulator -------------------------------------------------------------

PLAYED = {"done", "skip", "later", "pain", "correction", "knee", "gave_way", "unknown"}
SAMPLE = [phrase for phrase in ALL if phrase.play]


async def rows(harness, model):
    async with harness.services.database.transaction() as db:
        return list(await db.scalars(select(model).order_by(model.id)))


async def ready_in(chat, language: str):
    await chat.onboard()
    if language != "en":
        await chat.send("/language")
        await chat.tap(f"lang:{language}")


def test_the_sample_covers_every_language():
    for language in LANGUAGES:
        played = [phrase for phrase in SAMPLE if phrase.language == language]
        assert 8 <= len(played) <= 20, (language, len(played))


@pytest.mark.parametrize("phrase", SAMPLE, ids=str)
async def test_the_sample_through_the_emulator(harness, chat, phrase):
    """On a training day (Wednesday), before anything is logged: the reply does what the
    reading says, in the person's language, and stores exactly that."""
    await ready_in(chat, phrase.language)
    if phrase.kind == "correction":
        await chat.send("done")
        await chat.send("4")
    replies = await chat.send(phrase.text)
    with use_language(phrase.language):
        hint = _(NOT_UNDERSTOOD)
    assert (hint in replies.text) is (phrase.kind == "unknown"), replies.text
    logs = await rows(harness, SessionLog)
    pain = [
        (row.kind, row.score) for row in await rows(harness, PainCheckin) if not row.superseded_at
    ]
    expected = phrase.reading
    score = int(expected["score"]) if "score" in expected else None
    if phrase.kind == "done" and expected.get("unnamed") == "yes":
        assert logs == [] and pain == [], replies.text  # which exercises? asked, not guessed
        assert any(data.startswith("done:") for row in replies.last.buttons for _l, data in row)
    elif phrase.kind == "done":
        [log] = logs
        assert log.status == "done"
        done = {row.exercise for row in await rows(harness, SessionExercise) if row.done}
        assert done == _done(expected), replies.text
        assert pain == ([("during", score)] if score is not None else [])
    elif phrase.kind == "skip":
        assert [log.status for log in logs] == ["skipped"]
    elif phrase.kind == "pain":
        assert logs == [] and pain == [("day", score)], replies.text
    elif phrase.kind == "correction":
        assert pain == [("during", score)], replies.text
    elif phrase.kind == "knee":
        [user] = await rows(harness, User)
        assert user.awaiting.question == Question.DAY_PAIN
        assert any(data.startswith("daypain:") for row in replies.last.buttons for _l, data in row)
    elif phrase.kind == "gave_way":
        [event] = await rows(harness, KneeEvent)
        assert event.kind == "gave_way" and event.answer is None
        assert any(
            data.startswith("gaveway:")
            for event in replies.events
            for row in event.buttons
            for _l, data in row
        )
        assert logs == [] and pain == ([("day", score)] if score is not None else [])
    elif phrase.kind == "later":
        assert logs == [] and pain == []
        pushes = [push.kind for push in await rows(harness, Push)]
        assert PushKind.SNOOZED in pushes, replies.text
    else:
        assert logs == [] and pain == []


def _done(expected: dict[str, str]) -> set[str]:
    """Today's exercises the reading says were done (the plan is a new person's three)."""
    did = {slug for mention in mentions(expected.get("did")) for slug in mention} & PLAN
    skipped = {slug for mention in mentions(expected.get("skipped")) for slug in mention}
    return set((did or PLAN) - skipped)
