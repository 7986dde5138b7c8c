"""The static folder, ready for nginx: a copy with a .gz and a .br beside every text file.

Behind nginx, phones get static files from disk, not from Python (deploy/nginx/). nginx's
``gzip_static`` and ``brotli_static`` send ``app.css.gz`` / ``app.css.br`` when the browser
accepts them, so the files are compressed once, at the slowest, smallest setting, when the
app is installed or upgraded, instead of by nginx on every request or not at all.
"""
from __future__ import annotations

import mimetypes
import os
import shutil
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from facilitator.infra.assets import COMPRESSIBLE, MIN_SIZE, brotli, compress

SUFFIXES = {"gzip": ".gz", "br": ".br"}


def encodings() -> list[str]:
    return ["gzip", "br"] if brotli is not None else ["gzip"]


def precompress_file(path: Path) -> list[Path]:
    """Write path.gz and path.br (with the original's mtime, which nginx reports) when worth it."""
    mimetype, _ = mimetypes.guess_type(path.name)
    if mimetype not in COMPRESSIBLE or path.stat().st_size < MIN_SIZE:
        return []
    data = path.read_bytes()
    stat = path.stat()
    written = []
    for encoding in encodings():
        target = path.with_name(path.name + SUFFIXES[encoding])
        target.write_bytes(compress(data, encoding, static=True))
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        written.append(target)
    return written


def publish_static(source: Path, target: Path) -> list[Path]:
    """Copy source to target, precompressed, replacing what a previous version left there.

    Built beside the target and swapped in by two renames, so nginx serves the old folder or
    the new one, never a half-written file."""
    target = target.resolve()
    if target == source.resolve():
        raise click.ClickException("The target must be another folder than the app's own static folder.")
    building, retired = target.with_name(target.name + ".new"), target.with_name(target.name + ".old")
    for leftover in (building, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(source, building, ignore=shutil.ignore_patterns("*.gz", "*.br"))
    written = [path for file in sorted(building.rglob("*")) if file.is_file()
               for path in precompress_file(file)]
    if target.exists():
        target.rename(retired)
    building.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    return [target / path.relative_to(building) for path in written]


@click.command("publish-static")
@with_appcontext
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def publish_static_command(target: Path):
    """Copy the static files to TARGET for nginx, each text file with its .gz and .br beside it."""
    written = publish_static(Path(current_app.static_folder), target)
    click.echo(f"Static files in {target}; {len(written)} precompressed copies written.")
