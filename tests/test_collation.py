"""Sorting follows the language: å after z, and each Nordic alphabet's own order."""
import pytest

from facilitator.services.collation import sort_key
from facilitator.services.wordcloud import word_cloud

WORDS = ["Ål", "ære", "zebra", "øy", "ärlig", "örn", "Ar", "élan", "bål"]


@pytest.mark.parametrize("language, expected", [
    # ø and ö are one letter to Nordic readers, as are æ and ä: the rest of the word decides.
    ("nb", ["Ar", "bål", "élan", "zebra", "ære", "ärlig", "örn", "øy", "Ål"]),
    ("da", ["Ar", "bål", "élan", "zebra", "ære", "ärlig", "örn", "øy", "Ål"]),
    ("sv", ["Ar", "bål", "élan", "zebra", "Ål", "ære", "ärlig", "örn", "øy"]),
    ("fi", ["Ar", "bål", "élan", "zebra", "Ål", "ære", "ärlig", "örn", "øy"]),
])
def test_nordic_alphabetical_order(language, expected):
    assert sorted(WORDS, key=lambda w: sort_key(w, language)) == expected


def test_english_sorts_accents_with_their_base_letter():
    assert sorted(["zoo", "Ål", "apple"], key=lambda w: sort_key(w, "en")) == ["Ål", "apple", "zoo"]


def test_word_cloud_is_in_the_workshops_alphabetical_order():
    words = [w.word for w in word_cloud(["åpenhet zebra ærlighet øya", "bål"], "nb")]
    assert words == ["bål", "zebra", "ærlighet", "øya", "åpenhet"]
