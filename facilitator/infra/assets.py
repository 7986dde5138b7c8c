"""Static files sent small and cached for good: content-hashed URLs and compression.

A participant's phone on a crowded venue network loads the page once, so every
byte counts: text responses (pages, CSS, JavaScript, SVG) go out compressed, and
each static URL carries a hash of the file's content (``/static/css/app.css?v=…``),
so a browser may keep it for a year and still never sees a stale copy after an
upgrade: a changed file gets a new URL. Templates need no change: ``url_for('static',
filename=...)`` adds the hash by itself.

Compressed static files are kept in memory per content hash, so two thousand phones
joining cost one compression per file, not two thousand. Brotli is used when the
``brotli`` module is installed and the browser accepts it; gzip (standard library)
otherwise.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request
from werkzeug.security import safe_join

try:  # optional: a better ratio than gzip, used only when installed
    import brotli
except ImportError:  # pragma: no cover - depends on the machine
    brotli = None

HASH_ARG = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "text/plain", "text/markdown"}
# Below this the headers cost more than the saving.
MIN_SIZE = 512


def init_app(app: Flask) -> None:
    app.url_defaults(add_static_hash)
    app.after_request(compress_and_cache)


def static_file(filename: str) -> tuple[str, os.stat_result] | None:
    """The path of a static file and its stat, or None when there is no such file (or the name
    would leave the static folder). Caches below are keyed by mtime and size, so an edited file
    (a developer's, or an upgrade) is read again."""
    path = safe_join(current_app.static_folder or "", filename)
    if path is None:
        return None
    try:
        return path, os.stat(path)
    except OSError:
        return None


def static_hash(filename: str) -> str | None:
    """A short hash of a static file's content, or None when there is no such file."""
    found = static_file(filename)
    if found is None:
        return None
    path, stat = found
    return file_hash(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=512)
def file_hash(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def add_static_hash(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=...)`` gets ``?v=<content hash>`` without a template change."""
    if endpoint == "static" and "filename" in values and HASH_ARG not in values:
        digest = static_hash(values["filename"])
        if digest:
            values[HASH_ARG] = digest


def accepted_encoding() -> str | None:
    """The best encoding this browser accepts, by what the server can make."""
    accepted = request.accept_encodings
    if brotli is not None and accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def compress(data: bytes, encoding: str, static: bool) -> bytes:
    if encoding == "br":
        # Static files are compressed once and kept, so they get the slow, small setting.
        return brotli.compress(data, quality=11 if static else 5)
    return gzip.compress(data, compresslevel=9 if static else 6, mtime=0)


@lru_cache(maxsize=128)
def compressed_static(path: str, _mtime_ns: int, _size: int, encoding: str) -> bytes:
    with open(path, "rb") as handle:
        return compress(handle.read(), encoding, static=True)


def compress_and_cache(response):
    """Mark hashed static files immutable; compress text responses the browser can unpack."""
    static = request.endpoint == "static"
    if static and response.status_code in (200, 304):
        filename = (request.view_args or {}).get("filename", "")
        if request.args.get(HASH_ARG) and request.args.get(HASH_ARG) == static_hash(filename):
            response.headers["Cache-Control"] = IMMUTABLE
    if not should_compress(response, static):
        return response
    encoding = accepted_encoding()
    response.vary.add("Accept-Encoding")
    if encoding is None:
        return response
    if static:
        data = static_body(response, encoding)
        if data is None:
            return response
    else:
        data = compress(response.get_data(), encoding, static=False)
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag:
        # The bytes differ from the identity file's, so must the validator.
        response.set_etag(f"{etag}-{encoding}", weak=weak)
    return response


def should_compress(response, static: bool) -> bool:
    if response.status_code != 200 or "Content-Encoding" in response.headers:
        return False
    if response.mimetype not in COMPRESSIBLE or request.method == "HEAD":
        return False
    # Downloads and streams are sent as they are; a static file is read again from the cache.
    if not static and (response.direct_passthrough or response.is_streamed):
        return False
    length = response.content_length
    return length is None or length >= MIN_SIZE


def static_body(response, encoding: str) -> bytes | None:
    """The compressed bytes of the static file behind ``response``, from the cache."""
    found = static_file((request.view_args or {}).get("filename", ""))
    if found is None:
        return None
    path, stat = found
    data = compressed_static(path, stat.st_mtime_ns, stat.st_size, encoding)
    # The file Flask opened is not sent; close it now rather than at garbage collection.
    if hasattr(response.response, "close"):
        response.response.close()
    response.direct_passthrough = False
    # A byte range of the identity file means nothing for the compressed one.
    response.headers.pop("Accept-Ranges", None)
    return data
