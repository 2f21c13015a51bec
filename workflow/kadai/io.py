"""Atomic outputs: write to a temporary name beside the target, then rename.

An interrupted job therefore never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where tables are read: a render job never loads pandas (0.25 s)
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
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DamagedResult(path, f"it is not readable JSON ({e})") from None


class DamagedResult(ValueError):
    """A results file that is cut short, not UTF-8, or holds something its job never writes."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}. The file is damaged or was edited by hand: delete it and run "
                         "the same snakemake command again, which re-runs the job that writes it.")


TRAILER = re.compile(r"# complete: (\d+) rows")


def write_csv(path, df: pd.DataFrame, schema: dict) -> None:
    """The table, checked against ``schema`` (see :mod:`kadai.rows`), then a last line
    ``# complete: <n> rows`` that shows the file was written to its end."""
    conform(df, schema, path)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
        with open(tmp, "a", encoding="utf-8") as f:
            f.write(f"# complete: {len(df)} rows\n")


def read_csv(path, schema: dict) -> pd.DataFrame:
    """A table written by :func:`write_csv`; raises :class:`DamagedResult` naming the file and
    the fault when it is cut short, lacks a column or holds a cell of the wrong kind."""
    try:
        lines = Path(path).read_text(encoding="utf-8").rstrip("\n").split("\n")
    except UnicodeDecodeError as e:
        raise DamagedResult(path, f"byte {e.start} is not UTF-8") from None
    m = TRAILER.fullmatch(lines[-1])
    if not m:
        raise DamagedResult(path, "it does not end with the line '# complete: <n> rows' that its job writes last, "
                                  "so it was cut short")
    import pandas as pd

    text_cols = {c: str for c, kind in schema.items() if kind == "text" or isinstance(kind, tuple)}
    try:
        df = pd.read_csv(io.StringIO("\n".join(lines[:-1]) + "\n"), dtype=text_cols, keep_default_na=False,
                         na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        raise DamagedResult(path, f"it is not a readable table ({e})") from None
    if len(df) != int(m.group(1)):
        raise DamagedResult(path, f"it holds {len(df)} rows where its job wrote {m.group(1)}")
    return conform(df, schema, path)


def conform(df: pd.DataFrame, schema: dict, path) -> pd.DataFrame:
    """``df`` with its numeric columns as numbers; :class:`DamagedResult` at the first cell that
    does not fit ``schema`` (line numbers count the header as line 1)."""
    import pandas as pd

    for col, kind in schema.items():
        if col not in df:
            raise DamagedResult(path, f"the column {col!r} is missing")
        cells = df[col]
        if kind in ("int", "number"):
            values = pd.to_numeric(cells, errors="coerce")
            bad = cells.notna() & values.isna()
            if kind == "int":
                bad |= values.isna() | (values.fillna(0) % 1 != 0)
            what = "an integer" if kind == "int" else "a number"
            df[col] = values.astype("int64") if kind == "int" and not bad.any() else values
        elif isinstance(kind, tuple):
            bad, what = ~cells.isin(kind), "one of " + ", ".join(kind)
        else:
            continue
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DamagedResult(path, f"line {i + 2}, column {col!r}: '{cells.iloc[i]}' is not {what}")
    return df


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
    the job's inputs and outputs are recorded (:mod:`kadai.made`) and the log lists the package
    modules the job loaded (tests compare them with its inputs)."""
    import sys

    from . import made

    with tee_log(snakemake.log[0]) as log:
        yield snakemake
        made.record(snakemake.input, snakemake.output)
        loaded = sorted(m for m in sys.modules if m == "kadai" or m.startswith("kadai."))
        log.write(f"kadai modules loaded: {' '.join(loaded)}\n")
