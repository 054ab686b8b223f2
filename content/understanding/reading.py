"""What a free-text reply means: a session report (which exercises were done or left out), a
pain score with its kind and whether it corrects the last one, a knee complaint without a
number, skip, later, yes or no, or the knee giving way; read from the items of the tagging pass
in any order and in any of the bot's languages.

Whether a bare number is a pain score depends on the last question; that decision is the
caller's. This module only says what the words mean, and says UNKNOWN rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from content.i18n import DEFAULT_LANGUAGE, LANGUAGES
from content.states import PainKind
from content.understanding.tagging import Item, tag
from content.understanding.text import Kind
from content.understanding.words import reading

MAX_PAIN = 10
MAX_LENGTH = 4096  # Telegram's longest message
_CUES = ("pain", "knee", "morning", "during", "today", "correction", "said")
_REPORT = ("did", "done")
_TIME_WORDS = ("time_am", "time_pm", "time_night", "time_hours")


class Intent(Enum):
    """What a free-text reply means, as far as the bot can tell."""

    DONE = "done"
    SKIP = "skip"
    LATER = "later"
    PAIN = "pain"
    PAIN_OUT_OF_RANGE = "pain_out_of_range"
    KNEE = "knee"  # talk of knee pain without a number: "my knee hurts"
    GAVE_WAY = "gave_way"  # "my knee gave way"
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


Mention = frozenset[str]  # the exercises a name may mean: {"squat_to_surface", "sumo_squat"}


@dataclass(frozen=True)
class Reply:
    """A free-text reply understood: its intent, any score, and the exercises it names."""

    intent: Intent
    score: int | None = None
    # True when the text said 'pain' (or 'knee', 'sore', a day) explicitly, so it is a pain
    # score whatever was asked last.
    explicit: bool = False
    # Which pain the words name: during (or right after) the session, this morning (the morning
    # after the last session), or today; None: no kind named, the pending question decides.
    when: PainKind | None = None
    did: tuple[Mention, ...] = ()  # exercises named as done ("did hip bump and squats")
    skipped: tuple[Mention, ...] = ()  # exercises named as left out ("skipped the lunges")
    out_of_range: bool = False  # a score was given but is not a whole number from 0 to 10
    correction: bool = False  # the score corrects the last one ("sorry, 3 not 4")
    knee: bool = False  # it also says the knee hurts, without a number
    unnamed: bool = False  # it names what was done, but no exercise ("did my stretches")

    @property
    def morning(self) -> bool:
        """It said 'morning': this morning's score, for the session the day before."""
        return self.when is PainKind.NEXT_MORNING


@dataclass
class _Number:
    index: int
    value: float
    negative: bool = False
    ranged: bool = False  # "2-3", "2 or 3": no single score

    @property
    def score(self) -> int | None:
        """The score, if it is a whole number from 0 to 10 typed without a sign."""
        if self.negative or self.ranged or not self.value.is_integer():
            return None
        return int(self.value) if 0 <= self.value <= MAX_PAIN else None


@dataclass
class _Report:
    whole_done: bool = False
    whole_skip: bool = False
    did: list[Mention] = field(default_factory=list)
    skipped: list[Mention] = field(default_factory=list)
    unnamed: bool = False
    later: bool = False  # "I'll do it", "сделаю": still to come

    @property
    def done(self) -> bool:
        return bool(self.whole_done or self.did or self.skipped or self.unnamed)

    def file(self, done: bool, mentions: Sequence[Mention]) -> None:
        """Exercises named as done, or as left out."""
        (self.did if done else self.skipped).extend(mentions)


@dataclass
class _Clause:
    """What one clause of a report has said so far, read word by word."""

    polarity: bool | None = None  # done (True) or left out (False), once a cue says which
    negate: bool = False  # a "not" waiting for its verb
    cue: bool = False  # a word said done, left out or "except"
    pending: list[Mention] = field(default_factory=list)  # names waiting for their cue
    mentions: int = 0
    objects: int = 0  # the session itself ("did my workout")
    unknown: int = 0  # unknown words after a cue ("did my stretches"): which ones?

    def close(self, report: _Report, last: bool | None) -> bool | None:
        """The clause ends: names still waiting for a cue take the previous clause's ("did
        the squats, lunges"), and a cue with no name speaks for the whole session. Returns
        the polarity the clause leaves."""
        if self.pending and not self.cue and last is not None and not self.unknown:
            report.file(last, self.pending)
            return last
        if self.cue and not self.mentions:
            if self.unknown and not self.objects:
                report.unnamed = True
            elif self.polarity:
                report.whole_done = True
            elif self.polarity is False:
                report.whole_skip = True
        return self.polarity if self.polarity is not None else last


def parse_reply(text: str, language: str = DEFAULT_LANGUAGE) -> Reply:
    """Classify one message; anything unrecognised is UNKNOWN, never an exception. English is
    understood in every language; language adds its own words."""
    if len(text) > MAX_LENGTH:
        return Reply(Intent.UNKNOWN)
    items = tag(text, language)
    if not items:
        return Reply(Intent.UNKNOWN)
    return _Reading(items).reply()


def reads_as_words(text: str) -> bool:
    """Whether a message is made of the conversation's own words in one of the bot's
    languages ("no", "hola", "mon") and nothing else: an answer that is no place or zone."""
    for language in LANGUAGES:
        items = tag(text[:MAX_LENGTH], language, typos=False)
        words = [item for item in items if item.first.kind is Kind.WORD]
        known = words and not any(item.unknown for item in words)
        if known and any(not item.filler for item in words):
            return True
    return False


def _verdict(item: Item | None) -> bool:
    """Whether an item says done or left out ("did", "skipped", "✅")."""
    return item is not None and item.has(*_REPORT, "skipped", "except")


class _Reading:
    """One message's items, read."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items

    # -- neighbours ------------------------------------------------------------------------

    def _counts(self, index: int) -> bool:
        item = self.items[index]
        return not item.filler and item.first.text not in ",:="

    def _near(self, index: int, step: int, *, same: str = "sentence") -> Iterator[int]:
        """The meaningful items before (step -1) or after (step 1) index, nearest first."""
        where = getattr(self.items[index], same)
        at = index + step
        while 0 <= at < len(self.items) and getattr(self.items[at], same) == where:
            if self._counts(at):
                yield at
            at += step

    def _next(self, index: int) -> Item | None:
        return next((self.items[at] for at in self._near(index, 1, same="clause")), None)

    def _previous(self, index: int) -> Item | None:
        return next((self.items[at] for at in self._near(index, -1, same="clause")), None)

    def _at(self, index: int) -> Item | None:
        return self.items[index] if 0 <= index < len(self.items) else None

    # -- numbers ---------------------------------------------------------------------------

    def _numbers(self) -> list[_Number]:
        """The numbers that may be scores: not counts, times, dates, years or measures."""
        found: dict[int, _Number] = {}
        for index, item in enumerate(self.items):
            if not item.is_number or item.mention or self._excluded(index):
                continue
            if item.first.kind is Kind.NUMBER and len(item.first.text.split(".")[0]) > 3:
                continue  # a year, a phone number
            found[index] = _Number(index, self._value(index), negative=self._negative(index))
        for index, number in found.items():
            joined, other = self._at(index + 1), index + 2
            if joined is not None and joined.has("or") and other in found:
                number.ranged = found[other].ranged = True
        return list(found.values())

    def _excluded(self, index: int) -> bool:
        """A count, a measure, a clock time, a date or a year rather than a score: "3
        exercises", "20 minutes", "7 pm", "7:30", "18h30", "2 of 3", "25/11", "x10"."""
        after, before = self._at(index + 1), self._at(index - 1)
        if before is not None and before.has("session"):
            return True  # "all 3 done"
        if after is not None and (after.mention or after.has("units", "session")):
            return not after.has("out_of_ten", "morning", "today", "during")
        if after is not None and after.has(*_TIME_WORDS):
            # "7 pm", "at 7 in the morning", "8 утра": a time; "pain 4 in the morning": a score
            if before is not None and before.has("time_before"):
                return True
            return not self._pain_before(index)
        if before is not None and (before.first.text == "#" or before.has("units")):
            return True
        for step in (1, -1):
            between, other = self._at(index + step), self._at(index + 2 * step)
            if between is None or other is None or not other.is_number:
                continue
            if between.first.text == ":" or between.has("of", "time_hours"):
                return True
            if between.first.text == "/":
                return max(self._value(index), self._value(index + 2 * step)) > MAX_PAIN
        return False

    def _pain_before(self, index: int) -> bool:
        """A pain or knee word shortly before the number."""
        window = list(self._near(index, -1))[: reading().score_window]
        return any(self.items[at].has("pain", "knee") for at in window)

    def _value(self, index: int) -> float:
        item = self.items[index]
        if item.first.kind is Kind.NUMBER:
            return float(item.first.text)
        return float(item.value("number") or 0)

    def _negative(self, index: int) -> bool:
        sign = self._at(index - 1)
        if sign is None or sign.first.text != "-" or self.items[index].first.spaced:
            return False
        earlier = self._at(index - 2)
        return sign.first.spaced or earlier is None or not earlier.is_number

    def _cue_distance(self, index: int, *, report: bool) -> int | None:
        """How far the nearest word that makes this number a score is, if near enough."""
        cues = (*_CUES, *_REPORT) if report else _CUES
        for step in (-1, 1):
            for distance, at in enumerate(self._near(index, step), start=1):
                if distance > reading().score_window:
                    break
                item = self.items[at]
                if item.has(*cues) and not (step == -1 and item.has("out_of_ten")):
                    return distance
        return None

    def _score(self, report: bool) -> tuple[_Number, bool, bool] | None:
        """The score the message gives: (number, explicit, corrects the last one)."""
        numbers = self._numbers()
        numbers = [number for number in numbers if self._plausible(number)]
        if not numbers:
            return self._no_pain()
        correction, wrong = self._correction(numbers)
        if correction is not None:
            return correction, True, True
        numbers = [number for number in numbers if number not in wrong]  # "not 4"
        if not numbers:
            return None
        near = [
            (distance, number.index, number)
            for number in numbers
            if (distance := self._cue_distance(number.index, report=report)) is not None
        ]
        if near:
            return min(near, key=lambda found: found[:2])[2], True, False
        if len(numbers) == 1 + numbers[0].ranged and self._alone(numbers[0]):
            return numbers[0], False, False  # a bare number: the pending question decides
        if report and len(numbers) == 1:
            return numbers[0], True, False  # "done 3": the session's pain
        return self._no_pain()

    def _plausible(self, number: _Number) -> bool:
        """A number word counts only next to a pain word or on its own ("one leg" is no 1)."""
        item = self.items[number.index]
        if item.first.kind is Kind.NUMBER:
            return True
        if self._alone(number):
            return True
        nearest = [self.items[at] for at in list(self._near(number.index, -1))[:1]]
        nearest += [self.items[at] for at in list(self._near(number.index, 1))[:1]]
        return any(other.has(*_CUES, *_REPORT) for other in nearest)

    def _alone(self, number: _Number) -> bool:
        """Whether the message is that number and nothing else ("3", "-1", "3/10", "2-3")."""
        besides = {number.index - 1} if number.negative else set()
        if number.ranged:
            besides |= {number.index + 1, number.index + 2}  # "2-3", "2 or 3"
        return [
            index
            for index, item in enumerate(self.items)
            if self._counts(index) and index not in besides and not item.has("out_of_ten")
        ] == [number.index]

    def _no_pain(self) -> tuple[_Number, bool, bool] | None:
        for index, item in enumerate(self.items):
            if item.has("no_pain"):
                return _Number(index, 0.0), True, False
        return None

    def _correction(self, numbers: list[_Number]) -> tuple[_Number | None, list[_Number]]:
        """'3 not 4', 'не 4, а 3', 'I said 4, it's 3', 'I meant 3', 'quise decir 3'."""
        wrong, meant = [], []
        for number in numbers:
            before = [self.items[at] for at in list(self._near(number.index, -1))[:2]]
            if (before and before[0].has("not")) or any(item.has("said") for item in before):
                wrong.append(number)
            elif before and before[0].has("correction"):
                meant.append(number)
        right = [number for number in numbers if number not in wrong]
        if meant:
            return meant[0], wrong
        if wrong and right:
            return right[0], wrong
        if right and any(item.has("correction") for item in self.items):
            return right[0], wrong
        return None, wrong

    def _when(self, sentence: int | None) -> PainKind | None:
        tags = {
            concept
            for item in self.items
            if sentence is None or item.sentence == sentence
            for concept in item.concepts
        }
        for concept, when in (
            ("morning", PainKind.NEXT_MORNING),
            ("during", PainKind.DURING),
            ("today", PainKind.DAY),
        ):
            if concept in tags:
                return when
        return None

    # -- the session report ----------------------------------------------------------------

    def _report(self) -> _Report:
        report = _Report()
        other_days = {  # about another day, or a question: nothing to log for today
            item.sentence
            for item in self.items
            if item.has("other_day", "weekday") or item.first.text == "?"
        }
        clauses: dict[int, list[int]] = {}
        for index, item in enumerate(self.items):
            if item.has("skip") and not item.has("skipped") and item.sentence not in other_days:
                report.whole_skip = True
            if item.sentence not in other_days and not item.breaks_clause:
                clauses.setdefault(item.clause, []).append(index)
        last: bool | None = None
        for clause in clauses.values():
            last = self._clause(clause, report, last)
        return report

    def _clause(self, indexes: list[int], report: _Report, last: bool | None) -> bool | None:
        """One clause of a report; returns the polarity it leaves (True done, False left out)
        for a next clause that only lists names ("did the squats, lunges and hip bumps")."""
        if any(self.items[index].has("will") for index in indexes):
            report.later = True  # "I'll do it tonight", "сделаю вечером"
            return last
        clause = _Clause()
        for index in indexes:
            mention = self.items[index].mention
            if mention:
                self._mention(index, mention, clause, report)
            else:
                self._cue(index, clause, report)
            if clause.polarity is not None and clause.pending:
                report.file(clause.polarity, clause.pending)
                clause.pending.clear()
        return clause.close(report, last)

    def _mention(self, index: int, mention: Mention, clause: _Clause, report: _Report) -> None:
        """A name: done or left out by a tick right after it, by a "not" or by the clause's
        cue so far; without any, it waits for a cue."""
        clause.mentions += 1
        after, before = self._next(index), self._previous(index)
        if (
            after is not None
            and _verdict(after)
            and not after.has("except")
            and (after.first.kind is Kind.MARK or not _verdict(before))
        ):  # a tick after the name ("squats ✅", "приседания сделала")
            verdict = after.has(*_REPORT) and not (clause.negate or self._negated(index))
        elif clause.negate:
            verdict = False
        elif clause.polarity is not None:
            verdict = clause.polarity
        else:
            clause.pending.append(mention)
            return
        report.file(verdict, [mention])

    def _cue(self, index: int, clause: _Clause, report: _Report) -> None:
        """A word other than a name: done, left out or "except" set the clause's polarity, a
        "not" turns the next verb, and an unknown word after a cue leaves the exercises
        unnamed."""
        item = self.items[index]
        if item.has("except"):
            clause.polarity, clause.cue, report.whole_done = False, True, True
        elif item.has("skipped"):
            clause.polarity, clause.cue = False, True
        elif item.has(*_REPORT):
            clause.polarity, clause.cue = not clause.negate, True
            clause.negate = False
        elif item.has("not"):
            clause.negate = True
        elif item.has("session"):
            clause.objects += 1
        elif item.unknown or (item.is_number and clause.polarity and self._excluded(index)):
            clause.unknown += clause.cue  # "did my stretches", "did 2 of 3": which ones?

    def _negated(self, index: int) -> bool:
        """A 'not' between a name and the verb after it ("squats not done")."""
        after = list(self._near(index, 1, same="clause"))
        return bool(after) and self.items[after[0]].has("not")

    # -- the reply -------------------------------------------------------------------------

    def reply(self) -> Reply:
        report = self._report()
        done = report.done and not (report.whole_skip and not report.did and not report.whole_done)
        found = self._score(done)
        if done and found and not (report.did or report.skipped or report.whole_done):
            done = False  # "did some gardening, knee 2": a score, no session named
        score, explicit, correction = found if found else (None, False, False)
        knee = any(item.has("knee") for item in self.items)
        pain_words = any(item.has("pain") or (knee and item.has("unwell")) for item in self.items)
        when = self._when(self.items[score.index].sentence if score else None)
        said = Reply(
            Intent.UNKNOWN,
            score=score.score if score else None,
            explicit=explicit,
            when=when,
            out_of_range=bool(score and score.score is None),
            correction=correction,
            knee=pain_words and score is None,
        )
        if self._gave_way():
            return replace(said, intent=Intent.GAVE_WAY)
        if done:
            return replace(
                said,
                intent=Intent.DONE,
                explicit=True,
                did=tuple(dict.fromkeys(report.did)),
                skipped=tuple(dict.fromkeys(report.skipped)),
                unnamed=report.unnamed and not report.did,
            )
        if report.whole_skip:
            return replace(said, intent=Intent.SKIP)
        if score is not None:
            ok = score.score is not None
            return replace(said, intent=Intent.PAIN if ok else Intent.PAIN_OUT_OF_RANGE)
        if pain_words:
            return Reply(Intent.KNEE, explicit=True, when=self._knee_when(), knee=True)
        if report.later or any(item.has("later") for item in self.items):
            return Reply(Intent.LATER)
        return Reply(self._yes_or_no())

    def _knee_when(self) -> PainKind:
        return PainKind.NEXT_MORNING if self._when(None) is PainKind.NEXT_MORNING else PainKind.DAY

    def _gave_way(self) -> bool:
        for index, item in enumerate(self.items):
            if item.has("gave_way"):
                before = [self.items[at] for at in list(self._near(index, -1))[:2]]
                if not any(other.has("not") for other in before):
                    return True
        return False

    def _yes_or_no(self) -> Intent:
        """Yes or no only when the message says nothing else."""
        meaningful = [self.items[index] for index in range(len(self.items)) if self._counts(index)]
        if not meaningful or any(item.unknown or item.mention for item in meaningful):
            return Intent.UNKNOWN
        for concept, intent in (("yes", Intent.YES), ("no", Intent.NO)):
            if all(item.has(concept, "hello") for item in meaningful) and any(
                item.has(concept) for item in meaningful
            ):
                return intent
        return Intent.UNKNOWN
