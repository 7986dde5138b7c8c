#!/usr/bin/env python3
"""Vendor the app's third-party front-end assets into static/vendor/.

The app makes no request to any host other than its own, so the JavaScript
it needs (htmx and the Socket.IO client) is served from static/vendor/ rather
than from a CDN; axe-core sits beside them for the accessibility tests, which
inject it into pages (no template links it). This script keeps those copies
honest:

  python scripts/vendor_assets.py          # fetch the pinned versions, rewrite
  python scripts/vendor_assets.py --check  # offline: verify files on disk

The versions are not written here: package.json names the packages (axe-core
as a devDependency) and package-lock.json pins each one's version and sha512
integrity, so `npm audit`, `npm outdated` and the usual update tools see them.
To move a pin: `npm install --package-lock-only --ignore-scripts htmx.org@X`,
then run this script. Fetching goes through the npm CLI (`npm pack`) so that
whatever registry npm is configured with on this machine is the one used. Each
tarball is checked against the lockfile's integrity before anything is
extracted, and static/vendor/vendor.json records the sha384 SRI of every file
written, which --check (and a template's `integrity=` attribute) can rely on.
"""
import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Destinations have stable names so templates need no edit when a pin moves;
# the version lives in package-lock.json (and is recorded again in vendor.json).
ASSETS = [
    {"package": "htmx.org", "files": {
        "package/dist/htmx.min.js": "static/vendor/htmx.min.js",
        "package/LICENSE": "static/vendor/LICENSE.htmx.txt"}},
    # 4.x speaks Socket.IO protocol v5, the one python-socketio 5.x serves.
    {"package": "socket.io-client", "files": {
        "package/dist/socket.io.min.js": "static/vendor/socket.io.min.js",
        "package/LICENSE": "static/vendor/LICENSE.socket.io-client.txt"}},
    # For the tests only: they inject it into pages to check accessibility (WCAG 2.1 AA).
    # No template links it, so it never reaches a participant's phone.
    {"package": "axe-core", "test_only": True, "files": {
        "package/axe.min.js": "static/vendor/axe.min.js",
        "package/LICENSE": "static/vendor/LICENSE.axe-core.txt",
        "package/LICENSE-3RD-PARTY.txt": "static/vendor/LICENSE-3RD-PARTY.axe-core.txt"}},
]
MANIFEST = "static/vendor/vendor.json"
LOCKFILE = "package-lock.json"
MAX_MEMBER_BYTES = 5 * 1024 * 1024  # a vendored file this big means something is wrong


def sri(algo: str, data: bytes) -> str:
    return f"{algo}-" + base64.b64encode(hashlib.new(algo, data).digest()).decode()


def npm(*args: str) -> object:
    # stderr is kept apart because npm prints warnings there that would spoil the JSON.
    try:
        out = subprocess.run(["npm", *args, "--json"], capture_output=True, text=True, check=True)
    except FileNotFoundError:
        sys.exit("error: npm not found on PATH; it is needed to reach the registry")
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: npm {' '.join(args)} failed:\n{exc.stderr.strip()}")
    return json.loads(out.stdout)


def locked(root: Path) -> dict[str, dict]:
    """{package: {"version", "integrity", "dev"}} as package-lock.json pins them."""
    lock = json.loads((root / LOCKFILE).read_text())
    pins = {}
    for asset in ASSETS:
        entry = lock["packages"].get(f"node_modules/{asset['package']}")
        if entry is None:
            raise KeyError(f"{LOCKFILE} has no {asset['package']}; add it to package.json")
        pins[asset["package"]] = {"version": entry["version"], "integrity": entry["integrity"],
                                  "dev": bool(entry.get("dev"))}
    return pins


def fetch_tarball(spec: str, expected: str, tmpdir: Path) -> Path:
    """Download `spec` via npm and return the tarball's path once it matches the lockfile."""
    # An integrity string may list several hashes; only sha512 is trusted here.
    sha512 = next((h for h in expected.split() if h.startswith("sha512-")), None)
    if sha512 is None:
        sys.exit(f"error: {LOCKFILE} gives no sha512 integrity for {spec}")
    packed = npm("pack", spec, "--pack-destination", str(tmpdir))
    tarball = tmpdir / packed[0]["filename"]
    if sri("sha512", tarball.read_bytes()) != sha512:
        sys.exit(f"error: {spec} tarball does not match {LOCKFILE}'s {sha512}")
    print(f"{spec}: matches {LOCKFILE}")
    return tarball


def extract(tarball: Path, wanted: list[str]) -> dict[str, bytes]:
    """Read the named regular-file members; nothing else is ever unpacked."""
    # Member names are only used as lookup keys, never as paths on disk, and
    # links are refused, so a hostile tarball cannot write outside static/vendor.
    out = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for name in wanted:
            try:
                member = tar.getmember(name)
            except KeyError:
                sys.exit(f"error: {tarball.name} has no {name}; did the package layout change?")
            if not member.isfile() or member.size > MAX_MEMBER_BYTES:
                sys.exit(f"error: {tarball.name}:{name} is not a plain file of sane size")
            out[name] = tar.extractfile(member).read()
    return out


def refresh(root: Path) -> None:
    # Everything is fetched and verified before any write, so a failure
    # half-way never leaves a mix of old and new files behind.
    staged, manifest = {}, {"assets": []}
    pins = locked(root)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        for asset in ASSETS:
            pin = pins[asset["package"]]
            spec = f"{asset['package']}@{pin['version']}"
            tarball = fetch_tarball(spec, pin["integrity"], tmpdir)
            members = extract(tarball, list(asset["files"]))
            entry = {"package": asset["package"], "version": pin["version"],
                     "integrity": pin["integrity"], "files": []}
            if asset.get("test_only"):
                entry["test_only"] = True
            for source, dest in asset["files"].items():
                staged[dest] = members[source]
                entry["files"].append({"path": dest, "source": source,
                                       "sha384": sri("sha384", members[source])})
            manifest["assets"].append(entry)
    for dest, content in staged.items():
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        (root / dest).write_bytes(content)
        print(f"wrote {dest} ({len(content)} bytes)")
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {MANIFEST}")


def check(root: Path) -> list[str]:
    """Return one message per problem; empty means the vendored tree is intact."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
        recorded = {(a["package"], a["version"], a["integrity"]) for a in manifest["assets"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST}: unreadable or malformed ({exc!r})"]
    try:
        pins = locked(root)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{LOCKFILE}: unreadable or incomplete ({exc})"]
    problems = []
    pinned = {(name, pin["version"], pin["integrity"]) for name, pin in pins.items()}
    if pinned != recorded:
        problems.append(f"{MANIFEST}: records {sorted(recorded)} but {LOCKFILE} pins "
                        f"{sorted(pinned)}; run scripts/vendor_assets.py to refresh")
    for asset in ASSETS:
        if pins[asset["package"]]["dev"] != bool(asset.get("test_only")):
            problems.append(f"package.json: {asset['package']} belongs in "
                            + ("devDependencies" if asset.get("test_only") else "dependencies"))
    vendor_dir = (root / MANIFEST).parent.resolve()
    for asset in manifest["assets"]:
        for f in asset["files"]:
            path = (root / f["path"]).resolve()
            # vendor.json is data, so it gets no say over files outside static/vendor.
            if vendor_dir not in path.parents:
                problems.append(f"{f['path']}: outside static/vendor, refusing to check")
            elif not path.is_file():
                problems.append(f"{f['path']}: missing")
            elif (actual := sri("sha384", path.read_bytes())) != f["sha384"]:
                problems.append(f"{f['path']}: sha384 mismatch "
                                f"(expected {f['sha384']}, got {actual})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="verify vendored files against vendor.json without network")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="repository root (default: parent of this script's folder)")
    args = parser.parse_args()
    if not args.check:
        refresh(args.root)
        return 0
    problems = check(args.root)
    for problem in problems:
        print(f"vendor check failed: {problem}", file=sys.stderr)
    print(f"{MANIFEST}: {len(problems) or 'no'} problem(s) found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
