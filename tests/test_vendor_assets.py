"""The vendored front-end assets must match what scripts/vendor_assets.py recorded."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path("scripts") / "vendor_assets.py"


def run_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(root / SCRIPT), "--check"],
        capture_output=True, text=True, timeout=60,
    )


def test_vendored_assets_match_manifest():
    result = run_check(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def copy_of_the_tree(tmp_path: Path) -> Path:
    """static/vendor, the npm manifests and the script, copied: the real files are never touched."""
    shutil.copytree(ROOT / "static" / "vendor", tmp_path / "static" / "vendor")
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / SCRIPT, tmp_path / SCRIPT)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def test_check_names_a_corrupted_file(tmp_path):
    # The script finds its root from its own location, so the copy is checked, not ROOT.
    copy_of_the_tree(tmp_path)
    assert run_check(tmp_path).returncode == 0

    target = tmp_path / "static" / "vendor" / "socket.io.min.js"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))

    result = run_check(tmp_path)
    assert result.returncode != 0
    assert "static/vendor/socket.io.min.js" in result.stderr
    assert "htmx.min.js" not in result.stderr


def test_axe_core_is_vendored_for_the_tests_only():
    # The accessibility tests inject axe-core from here; it must be the pinned 4.x build.
    import json
    manifest = json.loads((ROOT / "static" / "vendor" / "vendor.json").read_text())
    axe = next(a for a in manifest["assets"] if a["package"] == "axe-core")
    assert axe["version"].startswith("4.") and axe.get("test_only") is True
    assert {f["path"] for f in axe["files"]} >= {"static/vendor/axe.min.js", "static/vendor/LICENSE.axe-core.txt"}
    # No page links it: it is never sent to a participant's phone.
    linked = [p for p in (ROOT / "templates").rglob("*.html") if "axe.min.js" in p.read_text(encoding="utf-8")]
    assert linked == []


def test_check_names_a_missing_file(tmp_path):
    copy_of_the_tree(tmp_path)
    (tmp_path / "static" / "vendor" / "axe.min.js").unlink()
    result = run_check(tmp_path)
    assert result.returncode != 0
    assert "static/vendor/axe.min.js: missing" in result.stderr


def test_the_lockfile_pins_what_is_vendored():
    # package-lock.json is where the pins live, so that npm's audit and update tools see them.
    import json
    lock = json.loads((ROOT / "package-lock.json").read_text())
    manifest = json.loads((ROOT / "static" / "vendor" / "vendor.json").read_text())
    for asset in manifest["assets"]:
        entry = lock["packages"][f"node_modules/{asset['package']}"]
        assert (entry["version"], entry["integrity"]) == (asset["version"], asset["integrity"])
        assert bool(entry.get("dev")) == bool(asset.get("test_only"))
    declared = json.loads((ROOT / "package.json").read_text())
    assert all("^" not in v and "~" not in v for v in declared["dependencies"].values())


def test_check_names_a_pin_that_moved_without_a_refresh(tmp_path):
    import json
    copy_of_the_tree(tmp_path)
    lock_path = tmp_path / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["node_modules/htmx.org"]["version"] = "2.0.99"
    lock_path.write_text(json.dumps(lock))
    result = run_check(tmp_path)
    assert result.returncode != 0
    assert "2.0.99" in result.stderr and "run scripts/vendor_assets.py" in result.stderr
