"""A word cloud of a question, counted on the server in the workshop's language.

Words are compared case-folded but never stripped of accents: æ, ø, å, ä, ö
are letters of their own in the Nordic languages, not decorated a's and o's.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from facilitator.services.collation import sort_key

# Function words that would crowd out the content; short lists of the most frequent ones.
STOP_WORDS = {
    "nb": """alle andre at av bare begge ble blei bli blir da de dem den denne der deres det dette di
        din disse du eller en ene eller et ett etter for fordi fra før ha hadde han hans har hennes her
        hva hvem hver hvilke hvis hvor hvordan i ikke inn innen jeg kan kanskje kunne man med meg men
        mer mest min mine mot mye må måtte ned noe noen nå når og også om opp oss over på seg selv
        sin sine sitt skal skulle slik som så til uten ut var ved vi vil ville være vår våre å litt mange
        få gjøre gjør""",
    "nn": """alle andre at av berre begge blei bli blir da dei deim den denne der deira det dette di
        din desse du eller ein eit eitt etter for fordi frå før ha hadde han hans har hennar her kva kven
        kvar kvifor korleis i ikkje inn innan eg kan kanskje kunne med meg men meir mest min mine mot
        mykje må måtte ned noko nokon no når og også om opp oss over på seg sjølv sin sine sitt skal
        skulle slik som så til utan ut var ved vi vil ville vere vår våre å litt mange få gjere gjer""",
    "sv": """alla andra att av bara båda blev bli blir då de dem den denna där deras det detta dig din
        dessa du eller en ena ett efter för eftersom från före ha hade han hans har hennes här vad vem
        varje vilka om var hur i inte in inom jag kan kanske kunna man med mig men mer mest min mina mot
        mycket måste ner något några nu när och också upp oss över på sig själv sin sina sitt ska skulle
        sådan som så till utan ut vara vid vi vill ville vår våra lite många få göra gör""",
    "da": """alle andre at af bare begge blev blive bliver da de dem den denne der deres det dette dig
        din disse du eller en ene et efter for fordi fra før have havde han hans har hendes her hvad
        hvem hver hvilke hvis hvor hvordan i ikke ind inden jeg kan måske kunne man med mig men mere
        mest min mine mod meget må måtte ned noget nogen nu når og også om op os over på sig selv sin
        sine sit skal skulle sådan som så til uden ud var ved vi vil ville være vores lidt mange få
        gøre gør""",
    "fi": """ja on ei se että oli olla ovat mutta kun jos niin kuin myös tai vain sekä koska joka jotka
        mikä mitkä tämä tuo nämä ne he me te hän minä sinä sen sitä siitä siihen hänen heidän meidän
        teidän minun sinun ole olen olet olemme olette ollut olisi voi voisi pitää pitäisi kanssa
        ennen jälkeen yli alle paljon vähän enemmän eniten kaikki muut jo vielä nyt sitten siis esim""",
    "en": """a about after all also an and any are as at be been but by can could do does for from get
        had has have he her his how i if in into is it its just more most my no not of on or our out so
        some than that the their them then there these they this to up us very was we were what when
        which who will with would you your make give""",
}
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
SIZES = 6


@dataclass
class CloudWord:
    word: str
    count: int
    size: int  # 1 (smallest) … SIZES (largest): a CSS class, since the CSP allows no inline style


def stop_words(language: str) -> frozenset[str]:
    return frozenset((STOP_WORDS.get(language) or STOP_WORDS["en"]).split())


def count_words(texts: list[str], language: str) -> Counter:
    skip = stop_words(language)
    words = Counter()
    for text in texts:
        for match in _WORD.finditer(text.casefold()):
            word = match.group(0)
            if len(word) > 1 and word not in skip:
                words[word] += 1
    return words


def word_cloud(texts: list[str], language: str, limit: int = 40) -> list[CloudWord]:
    """The most frequent words, alphabetically, each with a size from 1 to SIZES."""
    common = count_words(texts, language).most_common(limit)
    if not common:
        return []
    top, low = common[0][1], common[-1][1]
    span = max(top - low, 1)
    words = [CloudWord(w, c, 1 + round((c - low) * (SIZES - 1) / span)) for w, c in common]
    return sorted(words, key=lambda w: sort_key(w.word, language))
