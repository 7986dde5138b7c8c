"""The synthesis engine: normalisation per language, duplicates, themes, hostile text, and quality."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pytest

from facilitator.services.synthesis.duplicates import DuplicateIndex, find_duplicates, pair_key
from facilitator.services.synthesis.text import analyse, normalise
from facilitator.services.synthesis.themes import (propose_for_existing_themes, propose_themes,
                                                   representative)
from facilitator.services.synthesis.vectors import vectorise

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import synthesis as evaluation  # noqa: E402


def cosine(first: str, second: str, language: str) -> float:
    vectors = vectorise([analyse(first, language), analyse(second, language)])
    return float((vectors[0] @ vectors[1].T).toarray()[0, 0])


# --- normalisation ------------------------------------------------------------------------------

def test_normalise_keeps_nordic_letters_and_drops_invisible_characters():
    assert normalise("  ÆRLIG  Søknad\u200b om BÅT ") == "ærlig søknad om båt"
    assert normalise("Ｖelkomst\u200bpakke") == "velkomstpakke"          # NFKC, zero-width space
    assert normalise("\u202eabc\u202c def\u2066") == "abc def"              # bidi override and isolate
    assert normalise("Äldre ÖPPETTIDER") == "äldre öppettider"


@pytest.mark.parametrize("language, first, second", [
    ("nb", "velkomstpakker", "velkomstpakke"),
    ("nb", "boliger", "boligene"),
    ("nn", "benkar", "benker"),            # a nynorsk and a bokmål plural in a nynorsk room
    ("nn", "bustader", "bustad"),
    ("sv", "öppettider", "öppettiderna"),
    ("da", "boliger", "boligerne"),
    ("fi", "kylille", "kyliin"),           # allative and illative of "kylä"
    ("fi", "asukkaille", "asukkaiden"),
    ("en", "libraries", "library"),
])
def test_inflected_forms_share_a_stem(language, first, second):
    assert analyse(first, language).stems == analyse(second, language).stems


def test_stop_words_are_left_out_and_typed_spelling_is_kept():
    analysed = analyse("Flere Velkomstpakker til nye innbyggere", "nb")
    assert analysed.words == ("Velkomstpakker", "innbyggere")


@pytest.mark.parametrize("language, compound, phrase", [
    ("nb", "velkomstpakke", "velkomst pakke"),
    ("sv", "invånarenkät", "enkät till invånarna"),
    ("fi", "tulomuuttajakummit", "kummeja tulomuuttajille"),
])
def test_compounds_are_close_to_their_parts(language, compound, phrase):
    assert cosine(compound, phrase, language) > 0.15
    assert cosine(compound, "parkering ved skolen", language) < 0.05


# --- duplicates ---------------------------------------------------------------------------------

def test_a_typo_and_a_plural_are_proposed_as_duplicates_and_another_proposal_is_not():
    items = [(1, "Velkomstpakke til alle nye innbyggere"), (2, "Gratis parkering i sentrum"),
             (3, "Velkomstpakker til nye innbygere"), (4, "Gratis tomter for unge familier")]
    pairs = find_duplicates(items, "nb")
    assert [(pair.a, pair.b) for pair in pairs] == [(3, 1)]
    assert 0 < pairs[0].score <= 1


def test_a_dismissed_pair_is_not_proposed_again():
    index = DuplicateIndex("en")
    index.add(1, "Longer opening hours")
    index.add(2, "Sunday opening")
    assert [pair.b for pair in index.add(3, "Longer openning hours", {pair_key(1, 3)})] == []
    assert [pair.b for pair in index.add(4, "longer opening hours!")] == [1, 3]


def test_the_index_answers_as_a_fresh_comparison_would_after_many_additions():
    items = evaluation.generated(300)
    index = DuplicateIndex("nb")
    for suggestion_id, text in items:
        index.add(suggestion_id, text)
    probe = "Velkomstpakke til nye innbyggere for eldre"
    expected = {pair.b for pair in find_duplicates(items + [(999, probe)], "nb") if pair.a == 999}
    assert {pair.b for pair in index.add(999, probe)} == expected


# --- themes and the harvest ---------------------------------------------------------------------

def test_themes_group_cards_with_a_label_in_typed_spelling_and_a_central_card():
    items = [(1, "Velkomstpakke til nye innbyggere"), (2, "Velkomstpakker til alle nye innbyggere"),
             (3, "En velkomstpakke med kart"), (4, "Gratis parkering i sentrum"),
             (5, "Gratis parkering i helgene"), (6, "Parkering nær butikkene")]
    proposals = propose_themes(items, "nb")
    groups = {frozenset(proposal.members): proposal for proposal in proposals}
    assert frozenset({1, 2, 3}) in groups and frozenset({4, 5, 6}) in groups
    welcome = groups[frozenset({1, 2, 3})]
    assert welcome.keywords[0] in {"Velkomstpakke", "velkomstpakke", "Velkomstpakker"}
    assert welcome.central in {1, 2}
    assert representative(items[:3], "nb") == welcome.central


def test_granularity_makes_groups_finer_or_coarser():
    items = evaluation.load_set("en")["items"]
    counts = [len(propose_themes(items, "en", granularity)) for granularity in (0.0, 0.5, 1.0)]
    assert counts[0] < counts[1] < counts[2]


def test_a_card_without_a_theme_is_proposed_the_nearest_existing_one():
    themes = {10: ("Opening hours", [(1, "Longer opening hours"), (2, "Open on Sundays")]),
              11: ("Digital help", [(3, "Help with smartphones for older people")])}
    unthemed = [(4, "Open later in the evening"), (5, "Help with computers"), (6, "xyz qqq")]
    proposed = propose_for_existing_themes(unthemed, themes, "en")
    assert {key: theme for key, (theme, _) in proposed.items()} == {4: 10, 5: 11}


# --- hostile text -------------------------------------------------------------------------------

HOSTILE = ["", "   ", "\u200b\u200b", "\u202e\u202d\u2066", "og og og i på", "!!!???", "🙂👍🏽‍", "1234 5678",
           "a" * 500, ("Velkomstpakke " * 40)[:500], "\u0301" * 300, "é" * 500, "\x00\x01\x1b[31m red",
           "ш" * 499 + "\ud7ff", " ".join(["ord"] * 250)]


def test_hostile_text_never_breaks_the_analysis():
    items = list(enumerate(HOSTILE, start=1)) + [(100, "Velkomstpakke"), (101, "Velkomstpakker")]
    pairs = find_duplicates(items, "nb")
    assert (101, 100) in {(pair.a, pair.b) for pair in pairs}
    proposals = propose_themes(items, "nb")
    assert sorted(member for proposal in proposals for member in proposal.members) == sorted(i for i, _ in items)
    assert representative(items, "fi") in dict(items)


def test_long_texts_keep_the_analysis_fast():
    items = [(i, f"{i} " + "velkomstpakke tilflytter innbygger fadder bolig " * 60) for i in range(300)]
    started = time.perf_counter()
    find_duplicates(items, "nb")
    propose_themes(items, "nb")
    assert time.perf_counter() - started < 10


# --- quality ------------------------------------------------------------------------------------

def test_the_engine_beats_both_baselines_on_the_labelled_set():
    rows = [row for language in evaluation.LANGUAGES for row in evaluation.quality(language)]

    def mean(method, key):
        return statistics.mean(row[key] for row in rows if row["method"] == method)

    def f1(method):
        precision, recall = mean(method, "precision"), mean(method, "recall")
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert f1("engine") > max(f1("exact"), f1("overlap")) + 0.2
    assert mean("engine", "ari") > max(mean("exact", "ari"), mean("overlap", "ari"))
    assert mean("engine", "precision") >= 0.75
