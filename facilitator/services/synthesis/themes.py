"""Theme proposals for a question's suggestions, the nearest existing theme, and a harvest.

Groups come from average-linkage agglomerative clustering of the TF-IDF rows (scipy), cut at a
cosine distance that the ``granularity`` control moves: 0 gives few broad groups, 1 many narrow
ones. Each group is labelled by its most telling words (class-based TF-IDF: frequent in this group,
rare in the others), in the spelling someone typed, and by its most central suggestion.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from facilitator.services.synthesis.text import Analysed, analyse, supported
from facilitator.services.synthesis.vectors import vectorise

# Cosine distances at which the tree is cut for granularity 0 (coarse) and 1 (fine).
COARSEST_CUT = 0.96
FINEST_CUT = 0.80
DEFAULT_GRANULARITY = 0.5
LABEL_WORDS = 3
# Below this cosine with every existing theme, a suggestion is left for the facilitator to place.
EXISTING_THEME_MIN = 0.06


@dataclass
class ThemeProposal:
    """A proposed group: its members' ids, its central suggestion and its most telling words."""
    members: list[int]
    central: int
    keywords: list[str]

    @property
    def label(self) -> str:
        return ", ".join(self.keywords)


def cut_distance(granularity: float) -> float:
    """The cosine distance at which groups are cut, for a granularity from 0 (coarse) to 1 (fine)."""
    granularity = min(max(float(granularity), 0.0), 1.0)
    return COARSEST_CUT - granularity * (COARSEST_CUT - FINEST_CUT)


def cluster(similarity: np.ndarray, distance: float) -> np.ndarray:
    """Average-linkage cluster numbers (from 1) for a square similarity matrix, cut at ``distance``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    count = similarity.shape[0]
    if count < 2:
        return np.ones(count, dtype=int)
    rows, columns = np.triu_indices(count, k=1)
    condensed = np.clip(1.0 - similarity[rows, columns], 0.0, 2.0)
    return fcluster(linkage(condensed, method="average"), t=distance, criterion="distance")


def similarity_matrix(analysed: list[Analysed]) -> np.ndarray:
    """Cosine similarity of every two texts, in float32 (2,000 texts take 16 MB)."""
    vectors = vectorise(analysed).astype(np.float32)
    return np.asarray((vectors @ vectors.T).todense())


def propose_themes(suggestions: list[tuple[int, str]], language: str,
                   granularity: float = DEFAULT_GRANULARITY) -> list[ThemeProposal]:
    """Groups of suggestions with a label each, largest first; a suggestion like no other stands alone."""
    if not suggestions:
        return []
    language = supported(language)
    analysed = [analyse(text, language) for _, text in suggestions]
    similarity = similarity_matrix(analysed)
    numbers = cluster(similarity, cut_distance(granularity))
    groups: dict[int, list[int]] = {}
    for position, number in enumerate(numbers):
        groups.setdefault(int(number), []).append(position)
    keywords = label_words([[analysed[p] for p in members] for members in groups.values()])
    proposals = [ThemeProposal([suggestions[p][0] for p in members],
                               suggestions[_central(similarity, members)][0], words)
                 for members, words in zip(groups.values(), keywords, strict=True)]
    return sorted(proposals, key=lambda proposal: (-len(proposal.members), proposal.members[0]))


def _central(similarity: np.ndarray, members: list[int]) -> int:
    """The member most like the others (the first one on a tie)."""
    block = similarity[np.ix_(members, members)]
    return members[int(np.argmax(block.sum(axis=1)))]


def label_words(groups: list[list[Analysed]], count: int = LABEL_WORDS) -> list[list[str]]:
    """Each group's most telling words by class-based TF-IDF, each in its most frequent typed form."""
    frequencies = [Counter(base for item in group for base in set(item.stems)) for group in groups]
    total = Counter()
    for frequency in frequencies:
        total.update(frequency)
    average = max(sum(total.values()) / max(len(groups), 1), 1.0)
    labels = []
    for group, frequency in zip(groups, frequencies, strict=True):
        size = sum(frequency.values()) or 1
        scores = {base: (n / size) * math.log(1.0 + average / total[base]) for base, n in frequency.items()}
        ranked = sorted(scores, key=lambda base: (-scores[base], base))
        # A word only one card uses does not name a group of several: it only fills a label up to two.
        shared = [base for base in ranked if frequency[base] > 1 or len(group) == 1]
        chosen = shared[:count] if len(shared) >= 2 else (shared + [b for b in ranked if b not in shared])[:2]
        labels.append([_typed_form(group, base) for base in chosen])
    return labels


def _typed_form(group: list[Analysed], base: str) -> str:
    """The spelling people used most for a stem in this group."""
    forms = Counter(word for item in group for word, stem in zip(item.words, item.stems, strict=True)
                    if stem == base)
    return max(forms.items(), key=lambda form: (form[1], form[0].islower(), form[0]))[0]


def representative(suggestions: list[tuple[int, str]], language: str) -> int | None:
    """The id of the suggestion that best stands for all of them (the harvest of a theme)."""
    if not suggestions:
        return None
    analysed = [analyse(text, language) for _, text in suggestions]
    return suggestions[_central(similarity_matrix(analysed), list(range(len(suggestions))))][0]


def propose_for_existing_themes(unthemed: list[tuple[int, str]],
                                themes: dict[int, tuple[str, list[tuple[int, str]]]],
                                language: str) -> dict[int, tuple[int, float]]:
    """For each suggestion without a theme, the nearest existing theme and how near: {id: (theme, score)}.

    ``themes`` maps a theme's id to its name and its suggestions; a theme is the mean of its
    name's and its members' vectors. Suggestions near no theme are left out.
    """
    theme_ids = list(themes)
    if not unthemed or not theme_ids:
        return {}
    language = supported(language)
    texts = [text for _, text in unthemed]
    owners = []
    for position, theme_id in enumerate(theme_ids):
        name, members = themes[theme_id]
        texts += [name] + [text for _, text in members]
        owners += [position] * (1 + len(members))
    vectors = vectorise([analyse(text, language) for text in texts])
    centroids = _centroids(vectors[len(unthemed):], np.asarray(owners), len(theme_ids))
    scores = np.asarray((vectors[:len(unthemed)] @ centroids.T))
    best = scores.argmax(axis=1)
    return {suggestion_id: (theme_ids[best[row]], round(float(scores[row, best[row]]), 3))
            for row, (suggestion_id, _) in enumerate(unthemed)
            if scores[row, best[row]] >= EXISTING_THEME_MIN}


def _centroids(vectors, owners: np.ndarray, count: int) -> np.ndarray:
    """Each theme's mean vector, scaled to unit length."""
    from scipy import sparse
    membership = sparse.csr_matrix((np.ones(len(owners)), (owners, np.arange(len(owners)))),
                                   shape=(count, len(owners)))
    sums = np.asarray((membership @ vectors).todense())
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
