"""HTTP tests share tests/http/pages_helper.py (page sessions with CSRF); make it importable."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
