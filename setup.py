"""The one build step pyproject.toml cannot declare: a wheel carries everything the app reads at run time.

In a checkout, templates/, static/ and migrations/ sit beside the package and the
compiled catalogs (*.mo, never committed) are made by ``make compile-translations``.
A wheel has no "beside", so its build copies the three folders into the package and
compiles the catalogs there (``facilitator.infra.config`` looks inside the package first).
Compiling at build time, not on first start, keeps site-packages read-only for the
server (systemd's ProtectSystem) and lets a broken catalog fail the build, not a seminar.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = ("templates", "static", "migrations")


def compile_catalogs(source: Path, target: Path) -> None:
    """Every ``<lang>/LC_MESSAGES/messages.po`` under source as a .mo under target (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        language = po_path.parts[-3]
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        mo_path = target / language / "LC_MESSAGES" / "messages.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)


class BuildWithResources(build_py):
    """build_py, then the app's templates, static files, migrations and compiled catalogs."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        package = Path(self.build_lib) / "facilitator"
        for name in RESOURCES:
            # A build/ folder left from an earlier build must not ship a template since deleted.
            shutil.rmtree(package / name, ignore_errors=True)
            shutil.copytree(HERE / name, package / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.gz", "*.br"))
        compile_catalogs(HERE / "facilitator" / "translations", package / "translations")


setup(cmdclass={"build_py": BuildWithResources})
