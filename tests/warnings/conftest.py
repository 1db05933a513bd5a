"""Content-warning tests use the page-session helper in tests/http/pages_helper.py and cw_helper.py here."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (str(HERE), str(HERE.parent / "http")):
    if folder not in sys.path:
        sys.path.insert(0, folder)
