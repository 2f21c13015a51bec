"""One benchmark for the performance goals: each figure a ratio measured in this run.

``python -m kadai.bench [--n 2048] [--pairs 9] [--dataset fashion-mnist] [--source-dir DIR]
[--report kadai1] [--configfile FILE …] [--skip c train render build]``

1. C / NumPy: the packed C kernel against NumPy's BLAS, single thread, alternated pairs
   (:func:`kadai.nini1.bench.measure`); the lines say which SIMD path and BLAS kernel ran.
2. Training: one epoch of the course CNN with the DataLoader loop over one with the fast loop
   (:func:`kadai.kadai3.bench.measure`).
3. Rendering: a template edit → PDF as the pipeline does it (``snakemake report/<report>.pdf
   --forcerun render_markdown``: Snakemake's start, the Markdown with its rubric check, pandoc, typst,
   the font check) over bare pandoc + typst on the same Markdown. Needs a built report; the plan
   is checked first, so the benchmark never starts a measurement or training job. The template is
   not touched, so its compiled form comes from the cache (:mod:`kadai.cache`); a real edit also
   compiles the edited template (0.06 s for the 課題1 template on a 2-core Xeon, 2026-11-27).
   Also the same two steps as ``python -m kadai.watch`` runs them in its process after a save
   (:meth:`kadai.watch.Watcher.render`, warmed up as the watch does), into scratch files.
4. Build: where the last build spent its time, read from the files of Snakemake's ``benchmark:``
   directive (``results/benchmarks/<rule>[/<wildcards>].tsv``, one per job, the job's wall and
   CPU seconds): per rule and per report (:func:`build_times`), and the jobs that ran with no
   other job beside them (the timed measurements hold every core and the timing lock): their
   time plus the other jobs' time shared by all cores is the least a build that runs the same
   jobs alone can take. Nothing is run for this section.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .loadtest import REPORTS, snakemake_command  # the five reports, as the load test builds them
from .watch import BENCHMARKS

REPEATS = 3  # rendering runs of each kind; the median is printed
OVERLAP_S = 1.0  # two jobs ran side by side when their intervals share more than this (a job's
# start is its benchmark file's time − its wall time, which misses Snakemake's own second or so)


def _snakemake(report: str, configfiles: list[str], dry: bool) -> subprocess.CompletedProcess:
    cmd = snakemake_command([f"report/{report}.pdf"], 1, configfiles, [*(["-n"] if dry else []), "--forcerun",
                                                                      "render_markdown"])
    return subprocess.run(cmd, capture_output=True, text=True)


def planned_rules(dry_run_output: str) -> set[str]:
    """The rule names of the "Job stats" table that ``snakemake -n`` prints."""
    lines = dry_run_output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Job stats:"), None)
    rules = set()
    for line in lines[start + 3:] if start is not None else []:
        if not line.strip() or line.split()[0] == "total":
            break
        rules.add(line.split()[0])
    return rules


def plan_is_render_only(report: str, configfiles: list[str]) -> str | None:
    """None when forcing ``render_markdown`` for ``report`` plans only the two render jobs; else
    why the rendering benchmark must be skipped."""
    if not Path(f"report/{report}.pdf").is_file():
        return f"report/{report}.pdf does not exist: build it first"
    proc = _snakemake(report, configfiles, dry=True)
    if proc.returncode:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        return f"snakemake -n failed: {last}"
    rules = planned_rules(proc.stdout + proc.stderr)
    if not rules:
        return "snakemake -n planned nothing to run"
    extra = sorted(rules - {"render_markdown", "render_pdf"})
    if extra:
        return f"it would also run {', '.join(extra)} (pass the --configfile of your build)"
    return None


def render_times(report: str, configfiles: list[str], repeats: int = REPEATS) -> dict:
    """Median wall time of the pipeline's edit → PDF and of bare pandoc + typst on its Markdown
    (:func:`kadai.render.markdown_to_pdf` with the faces chosen beforehand, into a scratch PDF)."""
    from . import fonts, render

    pipeline = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = _snakemake(report, configfiles, dry=False)
        pipeline.append(time.perf_counter() - t0)
        if proc.returncode:
            raise RuntimeError(f"snakemake failed:\n{proc.stderr[-2000:]}")
    from .watch import Watcher

    w = Watcher([f"report/{report}.pdf"], configfiles, say=lambda _: None)
    calls = w.calls({report: {"md", "pdf"}})
    if calls is None:
        raise RuntimeError(f"report/{report}.pdf cannot be rendered as kadai.watch does: build it again")
    w.scratch(calls)  # the watch's warm-up
    watch = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ok = w.scratch(calls)
        watch.append(time.perf_counter() - t0)
        if not ok:
            raise RuntimeError(f"kadai.watch could not render report/{report}.pdf")
    choice = fonts.choose()
    bare = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            t0 = time.perf_counter()
            render.markdown_to_pdf(f"report/{report}.md", Path(tmp, "r.pdf"), choice=choice)
            bare.append(time.perf_counter() - t0)
    p, wt, b = statistics.median(pipeline), statistics.median(watch), statistics.median(bare)
    return {"report": report, "pipeline_s": p, "watch_s": wt, "bare_s": b, "ratio": p / b, "watch_ratio": wt / b,
            "repeats": repeats}


def _report_of(rule: str, parts: tuple[str, ...]) -> str:
    """The report a job worked for: its rule's prefix (kadai3_train), else its first wildcard
    (the stages and renderers run per report), else "shared" (sysinfo)."""
    prefix = rule.split("_")[0]
    if prefix in REPORTS:
        return prefix
    return parts[0] if parts and parts[0] in REPORTS else "shared"


def build_times(root: Path = BENCHMARKS) -> dict | None:
    """Wall and CPU seconds of every job whose benchmark file lies under ``root``, summed per
    rule and per report; None when there is none. ``span_s`` runs from the earliest job start
    (file time − wall seconds) to the latest end: the build's length when one build made them all."""
    jobs = []
    for path in sorted(Path(root).rglob("*.tsv")):
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if not rows:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        rule = parts[0]
        wall = float(rows[-1]["s"])
        cpu = rows[-1].get("cpu_time")
        end = path.stat().st_mtime
        jobs.append({"rule": rule, "report": _report_of(rule, parts[1:]), "wall_s": wall,
                     "cpu_s": float(cpu) if cpu not in (None, "", "NA", "-") else 0.0, "start": end - wall, "end": end})
    if not jobs:
        return None

    def totals(key):
        out = {}
        for j in jobs:
            t = out.setdefault(j[key], {key: j[key], "jobs": 0, "wall_s": 0.0, "cpu_s": 0.0, "max_s": 0.0})
            t["jobs"] += 1
            t["wall_s"] += j["wall_s"]
            t["cpu_s"] += j["cpu_s"]
            t["max_s"] = max(t["max_s"], j["wall_s"])
        return sorted(out.values(), key=lambda t: -t["wall_s"])

    alone = alone_jobs(jobs)
    return {"jobs": len(jobs), "wall_s": sum(j["wall_s"] for j in jobs),
            "span_s": max(j["end"] for j in jobs) - min(j["start"] for j in jobs),
            "rules": totals("rule"), "reports": totals("report"),
            "alone": {"jobs": len(alone), "wall_s": sum(j["wall_s"] for j in alone),
                      "rules": sorted({j["rule"] for j in alone})}}


def alone_jobs(jobs: list[dict], overlap_s: float = OVERLAP_S) -> list[dict]:
    """The jobs whose interval (start, end) shares at most ``overlap_s`` with every other job's."""
    order = sorted(jobs, key=lambda j: j["start"])
    alone = []
    for i, j in enumerate(order):
        before = max((o["end"] for o in order[:i]), default=float("-inf"))  # latest end of those started earlier
        after = order[i + 1]["start"] if i + 1 < len(order) else float("inf")
        if before - j["start"] <= overlap_s and j["end"] - after <= overlap_s:
            alone.append(j)
    return alone


def describe_build(b: dict, top: int = 8, cores: int | None = None) -> str:
    cores = cores or os.cpu_count() or 1
    a = b["alone"]
    rest = b["wall_s"] - a["wall_s"]
    lines = [f"build ({b['jobs']} jobs timed by Snakemake's benchmark files): job wall times sum to "
             f"{b['wall_s'] / 60:.1f} min; first start to last end {b['span_s'] / 60:.1f} min "
             "(the build's length only where one build ran them all)",
             f"  ran alone: {a['jobs']} jobs, {a['wall_s'] / 60:.1f} min ({', '.join(a['rules']) or 'none'}: the timed "
             f"measurements hold every core, the others found no job ready beside them); the other "
             f"{b['jobs'] - a['jobs']} jobs {rest / 60:.1f} min, on {cores} cores at least "
             f"{rest / cores / 60:.1f} min: {(a['wall_s'] + rest / cores) / 60:.1f} min together"]
    lines += ["  per report: " + ", ".join(f"{r['report']} {r['wall_s'] / 60:.1f} min" for r in b["reports"])]
    lines += [f"  {r['rule']:<16} {r['jobs']:>4} jobs {r['wall_s']:8.1f} s (longest {r['max_s']:.1f} s, "
              f"CPU {r['cpu_s']:.1f} s)" for r in b["rules"][:top]]
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m kadai.bench", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--pairs", type=int, default=9)
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--data-dir", default="data")
    p.add_argument("--source-dir", default=None)
    p.add_argument("--report", default="kadai1")
    p.add_argument("--configfile", nargs="+", default=[])
    p.add_argument("--skip", nargs="*", default=[], choices=["c", "train", "render", "build"])
    return p.parse_args(argv)


def main(argv=None) -> int:
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if "c" not in a.skip:
        from .nini1 import bench as c_bench
        print(c_bench.describe(c_bench.measure(a.n, a.pairs)), flush=True)
    if "train" not in a.skip:
        from .kadai3 import bench as train_bench
        print(train_bench.describe(train_bench.measure(a.dataset, a.data_dir, a.source_dir)), flush=True)
    if "render" not in a.skip:
        why = plan_is_render_only(a.report, a.configfile)
        if why:
            print(f"rendering: skipped: {why}")
        else:
            r = render_times(a.report, a.configfile)
            print(f"rendering report/{r['report']}.pdf (medians of {r['repeats']}): template edit → PDF through "
                  f"snakemake {r['pipeline_s']:.2f} s, through kadai.watch {r['watch_s']:.2f} s (its rendering, "
                  f"once it has seen the save), bare pandoc + typst {r['bare_s']:.2f} s; "
                  f"ratios {r['ratio']:.1f} and {r['watch_ratio']:.1f}")
    if "build" not in a.skip:
        b = build_times()
        print(describe_build(b) if b else f"build: skipped: no benchmark files under {BENCHMARKS}/ (build first)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
