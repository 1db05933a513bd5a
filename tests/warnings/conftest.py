"""Content-warning tests use the page-session helper in tests/http/pages_helper.py."""

from __future__ import annotations

import sys
from pathlib import Path

HTTP_TESTS = str(Path(__file__).resolve().parent.parent / "http")
if HTTP_TESTS not in sys.path:
    sys.path.insert(0, HTTP_TESTS)
