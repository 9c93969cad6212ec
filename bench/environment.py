"""bench/.venv: built from bench/requirements.txt plus this project (editable), on demand.

Standard library only, so any Python 3.11 can start a benchmark script:
``enter()`` re-runs the calling script inside the bench venv.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv"
PYTHON = VENV / "bin" / "python"


def enter() -> None:
    """Return at once inside bench/.venv; otherwise build or refresh it and re-exec there."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    wanted = hashlib.sha256(
        (BENCH / "requirements.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    stamp = VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != wanted:
        print("building bench/.venv (first run, or requirements changed) ...", flush=True)
        venv.create(VENV, with_pip=True, clear=True)
        pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        requirements = ["-r", str(BENCH / "requirements.txt"), "-e", str(ROOT)]
        subprocess.run([*pip, *requirements], check=True)
        stamp.write_text(wanted)
    script = str(Path(sys.argv[0]).resolve())
    os.execv(PYTHON, [str(PYTHON), script, *sys.argv[1:]])  # noqa: S606 - our own venv
