"""TF-IDF vectors of words and character n-grams, in numpy and scipy's sparse matrices.

Each text becomes two blocks, its stems and the 3- to 5-character n-grams of its words, each
weighted by sublinear term frequency times smoothed inverse document frequency and scaled to unit
length; the blocks are then weighted so that the cosine of two texts is
``WORD_WEIGHT * cos(words) + (1 - WORD_WEIGHT) * cos(characters)``. Stems match inflections the
dictionary knows; n-grams match compounds, typos and forms it does not.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter

import numpy as np
from scipy import sparse

from facilitator.services.synthesis.text import Analysed

WORD_WEIGHT = 0.5
NGRAM_SIZES = (3, 4, 5)
_WORD_PREFIX = "w\x00"
_NORDIC_MARKS = {"\u030a", "\u0308"}  # the ring of å and the two dots of ä and ö
_JOINERS = {"-", "'", "’"}


def spelling_key(word: str) -> str:
    """A word as its n-grams see it: casefolded, hyphens and apostrophes out, accents off but the
    Nordic letters kept (å, ä, ö are letters of their own; é, è, ü are e, e, u)."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    kept = "".join(char for char in decomposed if char not in _JOINERS
                   and (not unicodedata.combining(char) or char in _NORDIC_MARKS))
    return unicodedata.normalize("NFC", kept)


def features(analysed: Analysed) -> Counter:
    """Counts of a text's stems and of its words' character n-grams (each word padded by spaces)."""
    counts = Counter(_WORD_PREFIX + base for base in analysed.stems)
    for word in analysed.words:
        padded = f" {spelling_key(word)} "
        for size in NGRAM_SIZES:
            counts.update(padded[start:start + size] for start in range(len(padded) - size + 1))
    return counts


class Space:
    """A vocabulary that grows with the texts it learns, with each feature's document frequency."""

    def __init__(self):
        self.index: dict[str, int] = {}
        # numpy arrays with room to grow, so that a new text never converts a Python list
        self._document_frequency = np.zeros(1024, dtype=np.float64)
        self._is_word = np.zeros(1024, dtype=bool)
        self.documents = 0

    def learn(self, counts: Counter) -> tuple[np.ndarray, np.ndarray]:
        """Count one more text; return its features' columns and sublinear term frequencies."""
        columns = np.empty(len(counts), dtype=np.int32)
        for position, feature in enumerate(counts):
            column = self.index.get(feature)
            if column is None:
                column = self.index[feature] = len(self.index)
                self._grow(column)
                self._is_word[column] = feature.startswith(_WORD_PREFIX)
            columns[position] = column
        self._document_frequency[columns] += 1
        self.documents += 1
        frequencies = np.fromiter((1.0 + math.log(count) for count in counts.values()),
                                  dtype=np.float64, count=len(counts))
        return columns, frequencies

    def _grow(self, column: int) -> None:
        if column >= len(self._is_word):
            self._document_frequency = np.resize(self._document_frequency, 2 * column)
            self._document_frequency[column:] = 0
            self._is_word = np.resize(self._is_word, 2 * column)

    def idf(self) -> np.ndarray:
        """Smoothed inverse document frequency of every feature learnt so far."""
        frequency = self._document_frequency[:len(self.index)]
        return np.log((1.0 + self.documents) / (1.0 + frequency)) + 1.0

    def word_columns(self) -> np.ndarray:
        return self._is_word[:len(self.index)]


def term_matrix(rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sparse.csr_matrix:
    """Rows of (columns, term frequencies) as one sparse matrix."""
    lengths = [len(columns) for columns, _ in rows]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    if rows:
        indices = np.concatenate([columns for columns, _ in rows])
        data = np.concatenate([values for _, values in rows])
    else:
        indices, data = np.empty(0, dtype=np.int32), np.empty(0)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width))


def weigh(terms: sparse.csr_matrix, idf: np.ndarray, is_word: np.ndarray,
          word_weight: float = WORD_WEIGHT) -> sparse.csr_matrix:
    """TF-IDF rows with the word block and the character block each scaled as the module says."""
    rows = np.repeat(np.arange(terms.shape[0]), np.diff(terms.indptr))
    data = terms.data * idf[terms.indices]
    words = is_word[terms.indices]
    squares = data * data
    word_norm = np.sqrt(np.bincount(rows, weights=squares * words, minlength=terms.shape[0]))
    char_norm = np.sqrt(np.bincount(rows, weights=squares * ~words, minlength=terms.shape[0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(words, math.sqrt(word_weight) / word_norm[rows],
                         math.sqrt(1.0 - word_weight) / char_norm[rows])
    weighted = terms.copy()
    weighted.data = np.nan_to_num(data * scale, nan=0.0, posinf=0.0)
    return weighted


def vectorise(analysed: list[Analysed], word_weight: float = WORD_WEIGHT) -> sparse.csr_matrix:
    """The TF-IDF rows of a fixed set of texts (each row of unit length, or zero for an empty text)."""
    space = Space()
    rows = [space.learn(features(item)) for item in analysed]
    terms = term_matrix(rows, len(space.index))
    return weigh(terms, space.idf(), space.word_columns(), word_weight)
