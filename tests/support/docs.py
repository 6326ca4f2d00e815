"""The Sphinx HTML build of ``docs/``, made once per test run and shared by the docs tests."""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


class DocsBuild(NamedTuple):
    """Where the HTML went, and how ``sphinx-build -W`` ended."""

    html: Path
    command: list[str]
    returncode: int
    output: str


@functools.cache
def build_docs() -> DocsBuild:
    """Build the docs with warnings as errors into a temporary directory (removed at exit)."""
    out = Path(tempfile.mkdtemp(prefix="pytd-docs-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               "-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    return DocsBuild(out / "html", command, result.returncode,
                     f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")
