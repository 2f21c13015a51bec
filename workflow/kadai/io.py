"""Atomic outputs: write to a temporary name beside the target, then rename.

An interrupted job therefore never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix,
                               dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _clean(obj):
    """JSON has no NaN/inf: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return _clean(obj.item())
    return obj


def write_json(path, obj) -> None:
    write_text(path, json.dumps(_clean(obj), ensure_ascii=False, indent=2) + "\n")


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_csv(path, df: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


class _Tee:
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for s in self.streams:
            s.write(text)
            s.flush()
        return len(text)

    def flush(self):
        for s in self.streams:
            s.flush()


@contextlib.contextmanager
def tee_log(path):
    """Copy stdout and stderr into the rule's log file while still showing them (progress)."""
    import sys

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as log:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Tee(old_out, log), _Tee(old_err, log)
        try:
            yield log
        except BaseException:
            import traceback
            traceback.print_exc(file=log)
            raise
        finally:
            sys.stdout, sys.stderr = old_out, old_err


def named(items) -> dict:
    """A Snakemake ``input``/``params`` object as a plain dict (lists stay lists)."""
    return {k: (list(v) if isinstance(v, list) else v) for k, v in items.items()}


@contextlib.contextmanager
def job(snakemake):
    """The body of every rule's script: output shown and copied into the rule's log; at the end
    the log lists the package modules the job loaded (tests compare them with its inputs)."""
    import sys

    with tee_log(snakemake.log[0]) as log:
        yield snakemake
        loaded = sorted(m for m in sys.modules if m == "kadai" or m.startswith("kadai."))
        log.write(f"kadai modules loaded: {' '.join(loaded)}\n")
