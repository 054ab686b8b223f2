"""Finds the exercise a person meant from whatever they typed: slug, name, alias or a typo."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from content.catalogue import Catalogue, Exercise
from content.understanding.text import fold

# How similar a typo must be to count as that exercise without asking back.
CONFIDENT_RATIO = 0.82
SUGGESTION_RATIO = 0.45
MAX_SUGGESTIONS = 3


def normalize(text: str) -> str:
    """Letters and digits of any script only, without case or accents, so 'Hip-bump',
    'hip_bump' and 'HIP BUMP' agree, and so do 'Подъём таза' and 'подъем таза'."""
    return re.sub(r"[\W_]", "", fold(text))


@dataclass(frozen=True)
class Match:
    """Either one exercise, or the closest candidates to offer as buttons."""

    exercise: Exercise | None
    suggestions: tuple[Exercise, ...] = ()


class ExerciseMatcher:
    """Resolves typed exercise names against the catalogue (built once, read-only)."""

    def __init__(self, catalogue: Catalogue, *others: Catalogue) -> None:
        """Names, slugs and aliases of catalogue; others (the same exercises in other
        languages) add their names, and a match is always catalogue's exercise."""
        self._catalogue = catalogue
        self._keys: list[tuple[str, Exercise]] = []
        for exercise in catalogue.exercises:
            labels = {exercise.slug, exercise.name, *exercise.aliases}
            for other in others:
                if (same := other.get(exercise.slug)) is not None:
                    labels |= {same.name, *same.aliases}
            for label in labels:
                self._keys.append((normalize(label), exercise))

    def find(self, query: str) -> Match:
        """The exercise meant, if one is clearly best; otherwise the closest few as suggestions
        (the first few exercises for an empty query)."""
        wanted = normalize(query)[:80]
        if not wanted:
            return Match(None, self._catalogue.exercises[:MAX_SUGGESTIONS])
        exact = {exercise.slug: exercise for key, exercise in self._keys if key == wanted}
        if len(exact) == 1:
            return Match(next(iter(exact.values())))
        scores: dict[str, tuple[float, Exercise]] = {}
        for key, exercise in self._keys:
            score = difflib.SequenceMatcher(None, wanted, key).ratio()
            if len(wanted) >= 3 and wanted in key:
                score = max(score, 0.6)  # 'squat' is part of two names: offer both
            best = scores.get(exercise.slug)
            if best is None or score > best[0]:
                scores[exercise.slug] = (score, exercise)
        ranked = sorted(scores.values(), key=lambda pair: pair[0], reverse=True)
        top_score, top = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if top_score >= CONFIDENT_RATIO and top_score - runner_up > 0.05:
            return Match(top)
        close = tuple(exercise for score, exercise in ranked if score >= SUGGESTION_RATIO)
        return Match(
            None, close[:MAX_SUGGESTIONS] or tuple(e for _, e in ranked[:MAX_SUGGESTIONS])
        )
