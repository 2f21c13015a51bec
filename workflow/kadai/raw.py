"""Reading raw tables (analysis side): per-size summaries, why a series stopped, value at N."""

from __future__ import annotations

import pandas as pd

from .rows import ENDS, OK, SKIPPED, STOP


def load_raw(paths) -> pd.DataFrame:
    """All raw tables of a report in one frame."""
    return pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in paths],
                     ignore_index=True)


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """Median, quartiles and count of the timed samples per implementation × op × N."""
    ok = raw[raw.status == OK]
    g = ok.groupby(["implementation", "op", "N", "dtype", "device"], sort=True)["seconds"]
    out = g.agg(median="median", q1=lambda s: s.quantile(0.25), q3=lambda s: s.quantile(0.75),
                runs="count").reset_index()
    out["iqr"] = out.q3 - out.q1
    return out


def stop_reason(raw: pd.DataFrame) -> dict:
    """Why the series ended: status, kind, the N that was not run, predicted seconds, note."""
    ends = raw[raw.status.isin(ENDS)]
    if ends.empty:
        return {"status": "incomplete", "kind": "incomplete", "N": None, "predicted_s": None,
                "note": "no stop recorded"}
    last = ends.iloc[-1]
    note = str(last.note)
    kind = note.split(":", 1)[0] if last.status == STOP else str(last.status)
    pred = float(last.seconds) if last.status == STOP and pd.notna(last.seconds) else None
    return {"status": str(last.status), "kind": kind, "N": int(last.N), "predicted_s": pred,
            "note": note}


def skipped(raw: pd.DataFrame) -> bool:
    return bool((raw.status == SKIPPED).any())


def value_at(summary: pd.DataFrame, n: int, column: str = "median", **match) -> float | None:
    """``column`` of the summary row at size ``n`` whose columns equal ``match`` (None if absent)."""
    rows = summary[summary.N == n]
    for key, value in match.items():
        rows = rows[rows[key] == value]
    return float(rows[column].iloc[0]) if len(rows) else None


def series_of(summary: pd.DataFrame, column: str = "median", **match) -> pd.Series:
    """``column`` indexed by N for the rows whose columns equal ``match``."""
    rows = summary
    for key, value in match.items():
        rows = rows[rows[key] == value]
    return rows.set_index("N")[column].sort_index()


def by_stem(paths) -> dict:
    """``{file stem: path}``, e.g. the experiments of 任意課題1 keyed ``ladder``, ``simd`` …"""
    from pathlib import Path

    return {Path(p).stem: p for p in paths}
