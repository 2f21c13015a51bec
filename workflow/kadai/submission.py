"""The 課題1 program as handed in (``workflow/submission/kadai1.py``), loaded from its file.

The program may import only ``time`` and ``matplotlib``, so it cannot be a module of this
package; the pipeline loads and measures that very file.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

DEPENDS_ON_FILES = ("workflow/submission/kadai1.py",)
ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / DEPENDS_ON_FILES[0]


@cache
def load(path: Path = PROGRAM):
    spec = importlib.util.spec_from_file_location("kadai1_submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
