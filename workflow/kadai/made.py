"""What each job made from what, so that a missing intermediate file is made again.

Snakemake (since 7.7) does not look at a file between the targets and the raw data once the
targets are up to date: delete a figure, or a raw table that was damaged, and the next run says
"Nothing to be done" while the PDF still shows what was made from it. So every job records its
inputs and outputs (``results/.made/``), and before each run (and after a failed one) the
Snakefile calls :func:`sweep`: an existing file made from a made file that no longer exists is
removed, and so on down to the PDF. Snakemake then makes the whole chain again: the missing file
first. A PDF whose Markdown failed its checks goes the same way, so no PDF outlives a failed check.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

RECORDS = Path("results") / ".made"


def record(inputs, outputs, folder=RECORDS) -> None:
    """Note that ``outputs`` were made from ``inputs`` (paths as the rule names them)."""
    outputs, inputs = [str(o) for o in outputs], [str(i) for i in inputs]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1("\0".join(outputs).encode()).hexdigest()[:16] + ".json"
    tmp = folder / f".{name}.part"
    tmp.write_text(json.dumps({"outputs": outputs, "inputs": inputs}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / name)


def records(folder=RECORDS) -> list[dict]:
    out = []
    for f in sorted(Path(folder).glob("*.json")):
        try:
            r = json.loads(f.read_text(encoding="utf-8"))
            out.append({"outputs": list(r["outputs"]), "inputs": list(r["inputs"])})
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a record we cannot read only costs that one check
    return out


def sweep(folder=RECORDS, say=print) -> list[str]:
    """Remove every existing file made from a made file that is missing, until none is left;
    returns the removed paths."""
    recs = records(folder)
    made = {o for r in recs for o in r["outputs"]}
    removed = []
    while True:
        stale: dict[str, list[str]] = {}  # missing file → existing files made from it
        for r in recs:
            gone = [i for i in r["inputs"] if i in made and not Path(i).exists()]
            here = [o for o in r["outputs"] if Path(o).exists()]
            if gone and here:
                stale.setdefault(gone[0], []).extend(here)
        if not stale:
            return removed
        for cause, here in stale.items():
            for o in here:
                shutil.rmtree(o) if Path(o).is_dir() else Path(o).unlink()
            removed += here
            say(f"{cause} is missing (deleted, or its job failed): removed {', '.join(here)}, made from it; "
                "the next run makes them again")
