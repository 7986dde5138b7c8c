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


def test_check_names_a_corrupted_file(tmp_path):
    # Works on a copy so the real static/vendor is never touched; the script
    # finds its root from its own location, so the copy is checked, not ROOT.
    shutil.copytree(ROOT / "static" / "vendor", tmp_path / "static" / "vendor")
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / SCRIPT, tmp_path / SCRIPT)
    assert run_check(tmp_path).returncode == 0

    target = tmp_path / "static" / "vendor" / "socket.io.min.js"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))

    result = run_check(tmp_path)
    assert result.returncode != 0
    assert "static/vendor/socket.io.min.js" in result.stderr
    assert "htmx.min.js" not in result.stderr
