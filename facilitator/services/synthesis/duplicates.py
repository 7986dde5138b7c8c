"""Possible duplicates of a new suggestion among the others on the same question, as it arrives.

One ``DuplicateIndex`` per question keeps every suggestion's term frequencies and TF-IDF row, so
a new suggestion costs one sparse product against the rows already there, not a refit. The
weights drift as the vocabulary grows; the rows are weighed again, all at once in numpy, when
the question has grown by a quarter since the last time. Candidates that the vectors find close
are confirmed by an edit-distance ratio of their stems (rapidfuzz), which tells "the same
proposal, other words" from "the same words, another proposal" better than the cosine alone.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from facilitator.services.synthesis.text import Analysed, analyse, supported
from facilitator.services.synthesis.vectors import Space, features, term_matrix, weigh

CANDIDATE_COSINE = 0.3
THRESHOLD = 0.5
COSINE_SHARE = 0.6
MAX_PROPOSALS = 5
_TAIL_ROWS = 64


@dataclass(frozen=True)
class DuplicatePair:
    """Two suggestions that may say the same thing, with how sure the engine is (0 to 1)."""
    a: int
    b: int
    score: float


def pair_key(a: int, b: int) -> frozenset[int]:
    """How a dismissed pair is named, whichever way round it was proposed."""
    return frozenset((a, b))


def confirm(first: Analysed, second: Analysed, cosine: float) -> float:
    """The pair's score: the cosine blended with the edit-distance ratio of the two stem strings."""
    from rapidfuzz import fuzz
    ratio = fuzz.token_sort_ratio(" ".join(first.stems), " ".join(second.stems)) / 100.0
    return COSINE_SHARE * cosine + (1.0 - COSINE_SHARE) * ratio


class DuplicateIndex:
    """The suggestions of one question, ready to be compared with a new one."""

    def __init__(self, language: str, threshold: float = THRESHOLD):
        self.language = supported(language)
        self.threshold = threshold
        self.space = Space()
        self.ids: list[int] = []
        self.analysed: list[Analysed] = []
        self._terms: list[tuple[np.ndarray, np.ndarray]] = []
        self._main = sparse.csr_matrix((0, 0))
        self._tail = sparse.csr_matrix((0, 0))
        self._weighed_at = 0

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, suggestion_id: int, text: str,
            dismissed: Iterable[frozenset[int]] = ()) -> list[DuplicatePair]:
        """Index a new suggestion and return its likely duplicates among those already here, best first."""
        analysed = analyse(text, self.language)
        columns, frequencies = self.space.learn(features(analysed))
        row = weigh(term_matrix([(columns, frequencies)], len(self.space.index)),
                    self.space.idf(), self.space.word_columns())
        pairs = self._compare(suggestion_id, analysed, row, set(dismissed))
        self.ids.append(suggestion_id)
        self.analysed.append(analysed)
        self._terms.append((columns, frequencies))
        self._tail = _stack(self._tail, row)
        if len(self.ids) > 1.25 * self._weighed_at + 8:
            self._reweigh()
        elif self._tail.shape[0] >= _TAIL_ROWS:
            self._main, self._tail = _stack(self._main, self._tail), sparse.csr_matrix((0, 0))
        return pairs

    def _compare(self, suggestion_id: int, analysed: Analysed, row: sparse.csr_matrix,
                 dismissed: set[frozenset[int]]) -> list[DuplicatePair]:
        cosines = self._cosines(row)
        candidates = np.flatnonzero(cosines >= CANDIDATE_COSINE)
        candidates = candidates[np.argsort(-cosines[candidates])][:4 * MAX_PROPOSALS]
        pairs = []
        for position in candidates:
            other = self.ids[position]
            if other == suggestion_id or pair_key(suggestion_id, other) in dismissed:
                continue
            score = confirm(analysed, self.analysed[position], float(cosines[position]))
            if score >= self.threshold:
                pairs.append(DuplicatePair(suggestion_id, other, round(min(score, 1.0), 3)))
        return sorted(pairs, key=lambda pair: -pair.score)[:MAX_PROPOSALS]

    def _cosines(self, row: sparse.csr_matrix) -> np.ndarray:
        """The new row's cosine with every indexed suggestion, in the order they were added."""
        dense = np.zeros(row.shape[1])
        dense[row.indices] = row.data
        # Older rows were weighed when the vocabulary was smaller: they lack the newest columns.
        scores = [part @ dense[:part.shape[1]] for part in (self._main, self._tail) if part.shape[0]]
        return np.concatenate(scores) if scores else np.empty(0)

    def _reweigh(self) -> None:
        """Weigh every row again with the vocabulary as it is now, into one matrix."""
        terms = term_matrix(self._terms, len(self.space.index))
        self._main = weigh(terms, self.space.idf(), self.space.word_columns())
        self._tail = sparse.csr_matrix((0, 0))
        self._weighed_at = len(self.ids)


def _stack(top: sparse.csr_matrix, bottom: sparse.csr_matrix) -> sparse.csr_matrix:
    """Two blocks of rows as one, as wide as the wider (rows weighed earlier lack the newest columns)."""
    width = max(top.shape[1], bottom.shape[1])
    top.resize(top.shape[0], width)
    bottom.resize(bottom.shape[0], width)
    return sparse.vstack([top, bottom], format="csr")


def find_duplicates(suggestions: list[tuple[int, str]], language: str,
                    dismissed: Iterable[frozenset[int]] = (),
                    threshold: float = THRESHOLD) -> list[DuplicatePair]:
    """Every likely duplicate pair among a question's suggestions, in the order they came in."""
    index = DuplicateIndex(language, threshold)
    dismissed = set(dismissed)
    pairs = []
    for suggestion_id, text in suggestions:
        pairs.extend(index.add(suggestion_id, text, dismissed))
    return pairs
