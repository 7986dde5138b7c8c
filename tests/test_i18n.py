"""Translations: every catalog complete, and every marked string in the catalogs."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "facilitator" / "translations"
LANGUAGES = ["nb", "nn", "sv", "da", "fi"]


def load(path):
    with open(path, "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_untranslated_or_fuzzy_entry(language):
    catalog = load(CATALOGS / language / "LC_MESSAGES" / "messages.po")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not problems, f"{language}: untranslated or fuzzy: {problems[:10]}"


def test_catalogs_hold_every_string_the_code_marks(tmp_path):
    """Fails when code or templates gained strings and `make translations` was not run."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True)
    marked = {m.id for m in load(pot) if m.id}
    assert len(marked) > 100, "the extraction found too little to be real"
    for language in LANGUAGES:
        known = {m.id for m in load(CATALOGS / language / "LC_MESSAGES" / "messages.po") if m.id}
        missing = sorted(str(m) for m in marked - known)
        assert not missing, f"{language} lacks {len(missing)} strings, e.g. {missing[:5]}; run make translations"
