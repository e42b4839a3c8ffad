"""What the server sends over the wire: compressed answers, and static files that a device keeps.

Every `url_for("static", filename=…)` carries `?v=` and a hash of the file's content. A URL
with the current hash cannot change, so devices keep it for a year without asking again; a new
release changes the hash, hence the URL. A static URL without it (or with an old one) is
revalidated on every use. Static files are read once and kept in memory, compressed once per
encoding. Other text answers — CSV exports (streamed or not), JSON — are compressed as they go
(Flask-Compress); HTML is not (see COMPRESSED_TYPES). Socket.IO's traffic does not pass here.
"""

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass, field

import brotli
from flask import Flask, abort, current_app, request
from werkzeug.security import safe_join

from .extensions import compress

VERSION_ARG = "v"
ONE_YEAR = 365 * 24 * 3600
ENCODINGS = {  # the server's preference first
    "br": lambda data: brotli.compress(data, quality=11),
    "gzip": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
}
# Not text/html: pages carry the CSRF token and some echo what was typed (the kiosk search),
# and compressing a secret beside attacker-chosen text leaks it over TLS (BREACH). Pages are
# small; the scripts and styles, where the weight is, are compressed.
COMPRESSED_TYPES = [
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/csv",
    "text/plain",
]
WORTH_COMPRESSING = 500  # bytes; below this the headers cost more than they save


@dataclass
class Asset:
    """One static file as it was when last read: its bytes, their hash, their encodings."""

    stamp: tuple[int, int]  # mtime_ns, size: a change in either means read it again
    data: bytes
    version: str
    mimetype: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def body(self, encoding: str | None) -> bytes:
        if encoding is None:
            return self.data
        if encoding not in self.encoded:
            self.encoded[encoding] = ENCODINGS[encoding](self.data)
        return self.encoded[encoding]


_assets: dict[str, Asset] = {}


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", list(ENCODINGS))
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", list(ENCODINGS))
    app.config.setdefault("COMPRESS_MIN_SIZE", WORTH_COMPRESSING)
    compress.init_app(app)
    app.url_defaults(_add_static_version)
    app.view_functions["static"] = send_static
    # Anyone serving a static file (a service worker at the root, say) gets the same: a file
    # handle passed to the compressor as a stream would otherwise be left for the GC to close.
    app.send_static_file = send_static


def static_version(filename: str) -> str | None:
    """A short hash of a static file's content; None for a file that is not there."""
    asset = _asset(filename)
    return asset.version if asset else None


def send_static(filename: str):
    """A static file, from memory, compressed if the device accepts it; kept a year when the
    URL names its current version, else revalidated each time."""
    asset = _asset(filename)
    if asset is None:
        abort(404)
    encoding = _encoding_for(asset)
    response = current_app.response_class(asset.body(encoding), mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.version}-{encoding or 'identity'}")
    if request.args.get(VERSION_ARG) == asset.version:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def _asset(filename: str) -> Asset | None:
    path = safe_join(current_app.static_folder, filename)
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    if stat is None or not os.path.isfile(path):
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _assets.get(path)
    if known is None or known.stamp != stamp:
        with open(path, "rb") as file:
            data = file.read()
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        version = hashlib.sha256(data).hexdigest()[:16]
        known = _assets[path] = Asset(stamp, data, version, mimetype)
    return known


def _encoding_for(asset: Asset) -> str | None:
    if asset.mimetype not in COMPRESSED_TYPES or len(asset.data) < WORTH_COMPRESSING:
        return None
    accepted = request.accept_encodings
    offered = [e for e in ENCODINGS if accepted[e]]
    return max(offered, key=lambda e: accepted[e], default=None)


def _add_static_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
        version = static_version(values["filename"])
        if version:
            values[VERSION_ARG] = version
