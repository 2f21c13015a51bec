"""Load test: do the reports' verdicts stay the same when the machine is busy?

``python -m kadai.loadtest [--reports kadai1 …] [--configfile FILE …] [--cores 2] [--load-cpu 1]
[--load-procs 1] [--out DIR] [--keep] [--data DIR]``

Procedure:

1. Copy the repository (the folder holding ``Snakefile``) twice, into a temporary folder (with
   ``--keep``: into ``<out>/copies``), leaving out ``.git``, ``.venv``, ``.snakemake``, ``results``,
   ``report``, ``data``, ``build``, caches and ``__pycache__``; create empty ``results/`` and
   ``report/``. ``--data DIR`` is linked as ``data/`` into both copies (MNIST files for 課題3).
2. Quiet build: ``python -m snakemake --cores N report/<X>.pdf … [--configfile …]`` in copy A with
   ``PYTHONPATH=<copy>/workflow``; output to ``<out>/quiet.log``; timed.
3. Loaded build: start ``--load-procs`` busy processes (``while True: pass``) pinned to CPU
   ``--load-cpu`` (default: the last CPU this process may use), run the same build in copy B
   (``<out>/loaded.log``), then always stop the load (terminate, then kill), also on failure or
   Ctrl-C. The load's CPU time (from ``/proc/<pid>/stat``) shows that it really ran.
4. Read ``results/<X>/findings.json`` of both copies and compare the verdicts by id: "same",
   "loaded cannot tell" (quiet yes/no, loaded unknown with a reason; acceptable), "quiet cannot
   tell" (quiet unknown, loaded yes/no; acceptable, listed), "FLIPPED" (yes ↔ no; failure),
   "missing" (in one build only; failure), "invalid" (an outcome other than yes/no/unknown, or a
   loaded unknown without a reason; failure). A verdict about a range of sizes (a fitted regime,
   whose ends depend on where the fit placed a break and how far the budget reached) carries a
   ``span``; without an exact id match, a verdict that holds on parts of its range too (a power
   law; ``span["nested"]``) is paired with the other build's verdict on the same series whose
   range overlaps it most (at least ``MATCH_OVERLAP`` of their joint range in log N) and
   classified as above; one left without a partner is "other range" (listed, no failure).
5. Write ``<out>/loadtest.md`` (date, machine, command, build times, load, one table per report,
   summary counts) and ``<out>/loadtest.json`` (the same data); print the summary.
6. Delete the copies unless ``--keep`` (then print their paths). Exit code 0 when both builds
   succeeded and no verdict is FLIPPED, missing or invalid; 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kadai.deps import ROOT

REPORTS = ["kadai1", "kadai2", "nini1", "kadai3", "kadai4"]
SKIP_TOP = {".git", ".venv", ".snakemake", "results", "report", "data", "build", ".whl"}
SKIP_ANYWHERE = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".ipynb_checkpoints"}
CLASSES = ["same", "loaded cannot tell", "quiet cannot tell", "other range", "FLIPPED", "missing", "invalid"]
FAILURES = {"FLIPPED", "missing", "invalid"}
DECIDED = ("yes", "no")
BUSY_LOOP = "while True: pass"
MATCH_OVERLAP = 0.5  # two ranges of sizes ask the same question when they share this much of their joint range


def copy_repo(dest: Path, root: Path = ROOT, data: Path | None = None, skip: tuple[Path, ...] = ()) -> Path:
    """A fresh copy of ``root`` at ``dest`` without builds, caches and data; ``skip``: more paths to leave out."""
    root, dest = Path(root).resolve(), Path(dest)
    skipped = {Path(p).resolve() for p in skip}

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).resolve()
        return {n for n in names if (here == root and n in SKIP_TOP) or n in SKIP_ANYWHERE
                or n.endswith(".egg-info") or (here / n) in skipped}

    shutil.copytree(root, dest, symlinks=True, ignore=ignore)
    for name in ("results", "report"):
        (dest / name).mkdir()
    if data is not None:
        (dest / "data").symlink_to(Path(data).resolve(), target_is_directory=True)
    return dest


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` from /proc, or None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def start_load(cpu: int, procs: int = 1) -> list[subprocess.Popen]:
    """Start ``procs`` pure-Python busy loops, each pinned to CPU ``cpu``."""
    if cpu not in os.sched_getaffinity(0):
        raise ValueError(f"CPU {cpu} is not one this process may use: {sorted(os.sched_getaffinity(0))}")
    started: list[subprocess.Popen] = []
    try:
        for _ in range(procs):
            proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL)
            started.append(proc)
            os.sched_setaffinity(proc.pid, {cpu})
    except BaseException:
        stop_load(started)
        raise
    return started


def stop_load(procs: list[subprocess.Popen]) -> list[float | None]:
    """Stop the busy loops (terminate, then kill); returns the CPU seconds each had used."""
    used = [cpu_seconds(p.pid) if p.poll() is None else None for p in procs]
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return used


def snakemake_command(targets, cores: int, configfiles=(), options=()) -> list[str]:
    """``python -m snakemake`` for ``targets`` with this Python; ``--configfile`` last, since it
    takes every word after it (as do options such as ``--forcerun``, which go before it)."""
    cmd = [sys.executable, "-m", "snakemake", *targets, "--cores", str(cores), *options]
    return cmd + ["--configfile", *configfiles] if configfiles else cmd


def build(copy: Path, targets: list[str], configfiles: list[str], cores: int, log: Path) -> tuple[bool, float]:
    """Run snakemake for ``targets`` in ``copy``, output to ``log``; returns (succeeded, seconds)."""
    cmd = snakemake_command(targets, cores, configfiles)
    env = dict(os.environ, PYTHONPATH=str(Path(copy) / "workflow"))
    with open(log, "w", encoding="utf-8") as out:
        out.write(f"$ {shlex.join(cmd)}\n# in {copy}\n")
        out.flush()
        start = time.perf_counter()
        code = subprocess.call(cmd, cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    return code == 0, time.perf_counter() - start


def read_verdicts(path: Path) -> list[dict] | None:
    """The verdict list of one findings.json; None when the file is missing, [] without "verdicts"."""
    if not Path(path).is_file():
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    verdicts = data.get("verdicts", []) if isinstance(data, dict) else []
    return [v for v in verdicts if isinstance(v, dict) and "id" in v]


def collect(copy: Path, reports: list[str]) -> dict[str, dict]:
    """Every verdict of ``reports`` in ``copy`` by id, each with its report added."""
    found: dict[str, dict] = {}
    for report in reports:
        for verdict in read_verdicts(Path(copy) / "results" / report / "findings.json") or []:
            found[str(verdict["id"])] = {**verdict, "report": report}
    return found


def findings_notes(copy: Path, reports: list[str], label: str) -> list[str]:
    """Remarks on findings files that are missing, hold no verdicts or repeat an id."""
    notes = []
    for report in reports:
        path = Path(copy) / "results" / report / "findings.json"
        verdicts = read_verdicts(path)
        if verdicts is None:
            notes.append(f"{label}: results/{report}/findings.json is missing (0 verdicts)")
        elif not verdicts:
            notes.append(f'{label}: results/{report}/findings.json has no "verdicts" (0 verdicts)')
        ids = [str(v["id"]) for v in verdicts or []]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            notes.append(f"{label}: {report} repeats ids {', '.join(repeated)} (the last one is compared)")
    return notes


def classify(quiet: dict | None, loaded: dict | None) -> str:
    """The class of one id given its quiet and loaded verdicts (None: absent from that build)."""
    if quiet is None or loaded is None:
        return "missing"
    q, ld = quiet.get("outcome"), loaded.get("outcome")
    if q not in (*DECIDED, "unknown") or ld not in (*DECIDED, "unknown"):
        return "invalid"
    if q == ld:
        return "same"
    if q in DECIDED and ld in DECIDED:
        return "FLIPPED"
    if ld == "unknown":
        return "loaded cannot tell" if loaded.get("reason") else "invalid"
    return "quiet cannot tell"


def overlap(a: dict, b: dict) -> float:
    """Shared part of two size ranges (``span`` dicts) over their joint range, in log N (1: equal)."""
    lo, hi = max(a["n_first"], b["n_first"]), min(a["n_last"], b["n_last"])
    first, last = min(a["n_first"], b["n_first"]), max(a["n_last"], b["n_last"])
    if hi < lo or first <= 0:
        return 0.0
    return 1.0 if last == first else math.log(hi / lo) / math.log(last / first)


def pair_spans(quiet: dict[str, dict], loaded: dict[str, dict]) -> dict[str, str]:
    """Quiet id → loaded id for the range verdicts without an exact id match: same series
    (``span["of"]``), overlap at least ``MATCH_OVERLAP``, the largest overlaps paired first."""
    q_open = [i for i in quiet if i not in loaded and quiet[i].get("span", {}).get("nested")]
    l_open = [i for i in loaded if i not in quiet and loaded[i].get("span", {}).get("nested")]
    candidates = sorted(((overlap(quiet[q]["span"], loaded[ld]["span"]), q, ld) for q in q_open for ld in l_open
                         if quiet[q]["span"]["of"] == loaded[ld]["span"]["of"]), key=lambda c: -c[0])
    pairs: dict[str, str] = {}
    for share, q, ld in candidates:
        if share >= MATCH_OVERLAP and q not in pairs and ld not in pairs.values():
            pairs[q] = ld
    return pairs


def compare(quiet: dict[str, dict], loaded: dict[str, dict]) -> list[dict]:
    """One row per id in either build (range verdicts paired by :func:`pair_spans`): report, id,
    the loaded build's id where it differs, question, outcomes, reasons and class."""
    pairs = pair_spans(quiet, loaded)
    partnered = set(pairs.values())
    rows = []
    for vid in [*quiet, *(i for i in loaded if i not in quiet and i not in partnered)]:
        q, ld = quiet.get(vid), loaded.get(pairs.get(vid, vid))
        either = q or ld
        alone = (q is None or ld is None) and "span" in either
        rows.append({
            "report": either.get("report", vid.split("/")[0]), "id": vid,
            "loaded_id": pairs.get(vid), "question": either.get("question", ""),
            "quiet": q.get("outcome") if q else None, "quiet_reason": q.get("reason") if q else None,
            "loaded": ld.get("outcome") if ld else None, "loaded_reason": ld.get("reason") if ld else None,
            "class": "other range" if alone else classify(q, ld),
        })
    return rows


def counts(rows: list[dict]) -> dict[str, int]:
    return {c: sum(r["class"] == c for r in rows) for c in CLASSES}


def summary(rows: list[dict], builds: dict[str, dict]) -> str:
    n = counts(rows)
    failed = [name for name, b in builds.items() if not b["ok"]]
    verdict = "FAIL" if failed or any(n[c] for c in FAILURES) else "PASS"
    text = f"{len(rows)} verdicts: " + ", ".join(f"{n[c]} {c}" for c in CLASSES) + f" — {verdict}"
    return text + "".join(f"; {name} build FAILED (log: {builds[name]['log']})" for name in failed)


def _cell(outcome: str | None, reason: str | None) -> str:
    if outcome is None:
        return "—"
    return f"{outcome} ({reason or 'no reason'})" if outcome == "unknown" else str(outcome)


def _esc(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _header(meta: dict) -> list[str]:
    load = meta["load"]
    lines = ["# Load test: do the verdicts survive a busy machine?", "",
             f"- Date: {meta['date']}", f"- Machine: {meta['machine']}", f"- Command: `{meta['command']}`"]
    for name, b in meta["builds"].items():
        lines.append(f"- {name.capitalize()} build: {'ok' if b['ok'] else 'FAILED'}, "
                     f"{b['seconds']:.1f} s — log `{b['log']}`")
    used = [s for s in load.get("cpu_seconds", []) if s is not None]
    wall = meta["builds"].get("loaded", {}).get("seconds") or float("nan")
    ran = (f"; CPU time {sum(used):.1f} s during the {wall:.1f} s loaded build ({100 * sum(used) / wall:.0f} %)"
           if used else "; CPU time not readable")
    lines.append(f"- Load: {load['procs']} busy process(es) (`{BUSY_LOOP}`) pinned to CPU {load['cpu']}{ran}")
    lines += [f"- Note: {note}" for note in meta.get("notes", [])]
    return lines


def render(rows: list[dict], meta: dict) -> str:
    """The Markdown report: header, one table per report, summary line."""
    lines = _header(meta)
    order = list(meta.get("reports", [])) + sorted({r["report"] for r in rows} - set(meta.get("reports", [])))
    for report in order:
        lines += ["", f"## {report}", ""]
        mine = [r for r in rows if r["report"] == report]
        if not mine:
            lines.append("No verdicts (findings.json missing or without \"verdicts\").")
            continue
        lines += ["| id | question | quiet | loaded | classification |", "|---|---|---|---|---|"]
        lines += [f"| {_esc(r['id'] + (' ~ ' + r['loaded_id'] if r.get('loaded_id') else ''))} | "
                  f"{_esc(r['question'])} | {_esc(_cell(r['quiet'], r['quiet_reason']))} | "
                  f"{_esc(_cell(r['loaded'], r['loaded_reason']))} | {r['class']} |" for r in mine]
    lines += ["", f"**Summary:** {summary(rows, meta['builds'])}", ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kadai.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--reports", nargs="+", choices=REPORTS, default=REPORTS)
    parser.add_argument("--configfile", nargs="+", default=[], help="passed on to snakemake")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--load-cpu", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--load-procs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "loadtest")
    parser.add_argument("--keep", action="store_true", help="keep the two copies (in <out>/copies)")
    parser.add_argument("--data", type=Path, help="folder linked as data/ into both copies")
    args = parser.parse_args(argv)
    if args.data is not None and not args.data.is_dir():
        parser.error(f"--data {args.data} is not a folder")
    for i, name in enumerate(args.configfile):  # as given from here, else the copy's own (config/…)
        if Path(name).is_file():
            args.configfile[i] = str(Path(name).resolve())
        elif Path(name).is_absolute() or not (ROOT / name).is_file():
            parser.error(f"--configfile {name} not found")
    args.out = args.out.resolve()
    return args


def run_builds(args: argparse.Namespace, copies: dict[str, Path]) -> tuple[dict, dict]:
    """Quiet build in copy A, then the loaded build in copy B; returns (builds, load)."""
    targets = [f"report/{r}.pdf" for r in args.reports]
    builds: dict[str, dict] = {}
    used: list[float | None] = []
    for name in ("quiet", "loaded"):
        log = args.out / f"{name}.log"
        print(f"{name} build in {copies[name]} (log: {log}) …", flush=True)
        procs = start_load(args.load_cpu, args.load_procs) if name == "loaded" else []
        try:
            ok, seconds = build(copies[name], targets, args.configfile, args.cores, log)
        finally:
            if procs:
                used = stop_load(procs)
        builds[name] = {"ok": ok, "seconds": seconds, "log": str(log), "copy": str(copies[name])}
        print(f"  {'ok' if ok else 'FAILED'} in {seconds:.1f} s", flush=True)
    return builds, {"cpu": args.load_cpu, "procs": args.load_procs, "cpu_seconds": used}


def machine() -> str:
    """CPU model (from /proc/cpuinfo) and core counts."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    model = next((ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("model name")),
                 platform.processor() or platform.machine())
    return f"{model}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)"


def loadtest(args: argparse.Namespace, argv: list[str], workdir: Path) -> int:
    """Steps 1–5 with the copies under ``workdir``; returns the exit code."""
    copies = {name: copy_repo(workdir / name, data=args.data, skip=(args.out, workdir))
              for name in ("quiet", "loaded")}
    builds, load = run_builds(args, copies)
    quiet, loaded = collect(copies["quiet"], args.reports), collect(copies["loaded"], args.reports)
    rows = compare(quiet, loaded)
    notes = [*findings_notes(copies["quiet"], args.reports, "quiet"),
             *findings_notes(copies["loaded"], args.reports, "loaded")]
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
            "command": shlex.join(["python", "-m", "kadai.loadtest", *argv]), "builds": builds, "load": load,
            "reports": args.reports, "notes": notes}
    (args.out / "loadtest.md").write_text(render(rows, meta), encoding="utf-8")
    ok = all(b["ok"] for b in builds.values()) and not any(r["class"] in FAILURES for r in rows)
    result = {"meta": meta, "rows": rows, "counts": counts(rows), "summary": summary(rows, builds), "ok": ok}
    (args.out / "loadtest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(*notes, sep="\n")
    print(result["summary"])
    print(f"report: {args.out / 'loadtest.md'}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = args.out / "copies" if args.keep else Path(tempfile.mkdtemp(prefix="kadai-loadtest-"))
    if args.keep and workdir.exists():
        shutil.rmtree(workdir)
    try:
        return loadtest(args, argv, workdir)
    finally:
        if args.keep:
            print(f"copies kept: {workdir / 'quiet'} {workdir / 'loaded'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
