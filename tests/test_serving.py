"""The process that serves the app, as gunicorn imports it from wsgi.py."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from facilitator.infra.gctune import YOUNG_THRESHOLD


def test_the_serving_process_freezes_what_it_loaded_and_collects_garbage_less_often(tmp_path):
    """Full collections stopped a process of 2,000 phones for up to 160 ms (facilitator/infra/gctune.py)."""
    probe = ("import gc, wsgi; "
             "print(gc.get_threshold()[0], gc.get_freeze_count(), wsgi.app.name)")
    env = {**os.environ, "FACILITATOR_NO_PATCH": "1", "DATABASE_URL": f"sqlite:///{tmp_path}/gc.db"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[1],
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    threshold, frozen, name = result.stdout.split()
    assert int(threshold) == YOUNG_THRESHOLD
    # The app's modules, templates and mappers: tens of thousands of objects, never scanned again.
    assert int(frozen) > 10_000
    assert name == "facilitator"
