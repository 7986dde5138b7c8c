"""Help for the facilitator with many cards: possible duplicates, theme proposals and a harvest.

Lexical and local: texts are normalised, lemmatised per language and compared as word and
character n-gram TF-IDF vectors; nothing is downloaded and nothing leaves the server. Every
function proposes, a person decides. The modules import numpy and scipy, so import them where
they are used (``from facilitator.services.synthesis.themes import propose_themes``): the app's
start and the send path never pay for them.

- ``duplicates``: ``DuplicateIndex``, one per question, checks a new suggestion against the others.
- ``themes``: ``propose_themes``, ``propose_for_existing_themes``, ``representative``.
- ``workshop``: the same for a workshop's visible suggestions (what the console and the CLI call).
"""
