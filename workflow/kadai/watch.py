"""``python -m kadai.watch report/kadai2.pdf [more targets] [--configfile F …] [--cores N]``

Rebuilds on every save while a report's wording is drafted. It first runs Snakemake for the
targets (whatever is out of date is made, as always), then polls the files the pipeline is made
of, and on each save:

* only templates changed (``templates/*.j2``, ``templates/report.typ``): the Markdown and PDF of
  the target reports they feed are rendered again in this process, by the functions the render
  rules run (:func:`kadai.render.report_markdown`, :func:`kadai.render.report_pdf`) with the
  inputs Snakemake gave those jobs last time (their records, :mod:`kadai.made`) and the same
  settings. Only render jobs read templates, so this is all Snakemake would run; what it saves is
  Snakemake's own start (its imports and the parsing of the workflow, about 1.5 s here, more than
  the rendering itself) at every save;
* anything else changed (``config/``, ``workflow/``, the ``Snakefile``, a ``--configfile``):
  Snakemake runs again and decides what reruns.

The rendered files are newer than all their inputs, so a later ``snakemake`` finds them up to date.
A render that fails (a rubric check, a template error) removes that report's Markdown, and with it
its PDF, as a failed render job does: no PDF outlives a failed check.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BASE_CONFIG = "config/config.yaml"
TARGET = re.compile(r"^report/(?P<report>[A-Za-z0-9_]+)\.(?P<ext>md|pdf)$")
PAGE = "templates/report.typ"  # the page style: an input of the PDF rule only
SLOW = ("Snakefile", "config", "workflow")  # a change here: Snakemake decides


def snapshot(paths) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every file under ``paths`` (files or folders; compiled
    Python and Python's caches left out)."""
    out = {}
    for top in paths:
        top = Path(top)
        if top.is_file():
            st = top.stat()
            out[str(top)] = (st.st_mtime_ns, st.st_size)
            continue
        for dirpath, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.endswith(".egg-info")]
            for f in files:
                if f.endswith(".pyc"):
                    continue
                p = os.path.join(dirpath, f)
                try:
                    st = os.stat(p)
                except OSError:  # removed meanwhile
                    continue
                out[p] = (st.st_mtime_ns, st.st_size)
    return out


def changed(before: dict, after: dict) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def is_template(path: str) -> bool:
    p = Path(path)
    return p.parent.name == "templates" and (p.name.endswith(".j2") or p.name == "report.typ")


def renders(changes, targets: dict[str, set[str]]) -> dict[str, set[str]] | None:
    """What a set of changed files asks for: None where Snakemake must decide (a change outside
    ``templates/``), else ``{report: {"md", "pdf"}}``, the render steps of the targets that the
    changed templates feed (empty where none does: another report's template, an editor's
    backup file). ``targets``: report → the extensions asked for."""
    if any(not Path(c).parts or Path(c).parts[0] != "templates" for c in changes):
        return None
    out: dict[str, set[str]] = {}
    for c in filter(is_template, changes):
        name = Path(c).name
        for report, exts in targets.items():
            if name == "report.typ":  # the page: PDFs only
                steps = {"pdf"} & exts
            elif name.startswith("_") or name == f"{report}.md.j2":  # a partial feeds every report
                steps = {"md"} | ({"pdf"} & exts)
            else:
                steps = set()
            if steps:
                out.setdefault(report, set()).update(steps)
    return out


def parse_targets(targets) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in targets:
        m = TARGET.match(t)
        if not m:
            raise SystemExit(f"kadai.watch: {t!r} is not a report (report/<name>.pdf or report/<name>.md)")
        out.setdefault(m["report"], set()).add(m["ext"])
    return out


def markdown_job(report: str, records: list[dict]) -> dict | None:
    """The inputs Snakemake gave ``report``'s Markdown job last time, from its record (None when
    there is none, or it lacks the context or the machine fingerprint the rule reads)."""
    md = f"report/{report}.md"
    rec = next((r for r in records if r["outputs"] == [md]), None)
    if rec is None:
        return None
    job = {"template": f"templates/{report}.md.j2", "context": f"results/{report}/context.json",
           "sysinfo": "results/sysinfo.json"}
    if not set(job.values()) <= set(rec["inputs"]):
        return None
    job["figures"] = [i for i in rec["inputs"] if i.endswith(".svg")]
    return job


class Watcher:
    def __init__(self, targets, configfiles=(), cores: int = 1, say=print):
        self.targets = parse_targets(targets)
        self.target_list = list(targets)
        self.configfiles = list(configfiles)
        self.cores = cores
        self.say = say
        self.ready = False  # the last Snakemake run succeeded: every input but the templates is current
        self.settings: dict = {}
        self.typefaces: dict = {}

    def watched(self) -> list[str]:
        return [p for p in (*SLOW, "templates", *self.configfiles) if Path(p).exists()]

    def snakemake(self) -> bool:
        cmd = [sys.executable, "-m", "snakemake", *self.target_list, "--cores", str(self.cores)]
        if self.configfiles:
            cmd += ["--configfile", *self.configfiles]  # last: it takes every word after it
        self.say("$ " + " ".join(["snakemake", *cmd[3:]]))
        self.ready = subprocess.run(cmd).returncode == 0
        if self.ready:
            self.load_settings()
        else:
            self.say("kadai.watch: Snakemake failed; the next save runs it again")
        return self.ready

    def load_settings(self) -> None:
        """The render jobs' parameters, as the rules compute them: the report settings of the
        merged configuration and the chosen faces."""
        from . import config, fonts

        self.settings = config.report_settings(config.merged([BASE_CONFIG, *self.configfiles]))
        self.typefaces = fonts.summary(fonts.choose())

    def warm(self) -> None:
        """Render every target once into scratch files, unchecked and unshown: the first render
        of a process also imports the renderers and has typst read the fonts and figures (0.6 s
        more for 課題2), which the first save should not wait for."""
        import contextlib
        import io
        import tempfile

        jobs = self.jobs(self.targets) or {}
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
            for report, job in jobs.items():
                md = Path("report") / f".{report}.warm.md"
                try:
                    self.render_one(report, {"md", "pdf"}, job, md, Path(tmp) / "warm.pdf")
                except Exception:  # noqa: BLE001 - a failure shows at the first save, checked
                    pass
                finally:
                    md.unlink(missing_ok=True)

    def jobs(self, steps) -> dict[str, dict] | None:
        """The Markdown jobs' inputs of the reports in ``steps``; None where one has no usable
        record (then Snakemake must run)."""
        from . import made

        records = made.records()
        jobs = {r: markdown_job(r, records) for r in steps}
        return None if any(j is None for j in jobs.values()) else jobs

    def render_one(self, report: str, todo: set[str], job: dict, md, pdf) -> None:
        from . import render

        if "md" in todo:
            render.report_markdown(report, job["template"], job["context"], job["sysinfo"], job["figures"],
                                   self.settings, md, typefaces=self.typefaces)
        if "pdf" in todo:
            render.report_pdf(md, pdf, self.settings)

    def render(self, steps: dict[str, set[str]], jobs: dict[str, dict]) -> bool:
        """The render steps ``steps`` in this process; False where one failed."""
        from . import made

        ok = True
        for report, todo in sorted(steps.items()):
            md, pdf = f"report/{report}.md", f"report/{report}.pdf"
            try:
                self.render_one(report, todo, jobs[report], md, pdf)
            except Exception as e:  # noqa: BLE001 - any failure is reported, and the watch goes on
                self.say(f"kadai.watch: {report}: {type(e).__name__}: {e}")
                Path(md if "md" in todo else pdf).unlink(missing_ok=True)  # as Snakemake removes a failed job's output
                made.sweep(say=self.say)
                ok = False
        return ok

    def step(self, changes: list[str]) -> None:
        """React to one batch of changed files."""
        start = time.perf_counter()
        steps = renders(changes, self.targets) if self.ready else None
        if steps == {}:
            return
        jobs = self.jobs(steps) if steps is not None else None
        if jobs is None:
            self.snakemake()
        elif self.render(steps, jobs):
            done = ", ".join(f"report/{r}.{e}" for r, exts in sorted(steps.items()) for e in sorted(exts))
            self.say(f"kadai.watch: {done} in {time.perf_counter() - start:.2f} s")

    def run(self, interval: float = 0.1) -> None:
        if self.snakemake():
            self.warm()
        seen = snapshot(self.watched())
        self.say(f"kadai.watch: watching {', '.join(self.watched())} (Ctrl-C stops)")
        while True:
            time.sleep(interval)
            now = snapshot(self.watched())
            if now == seen:
                continue
            time.sleep(0.03)  # an editor may write in more than one step
            now = snapshot(self.watched())
            self.step(changed(seen, now))
            seen = now


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m kadai.watch", description=__doc__.split("\n\n")[1])
    p.add_argument("targets", nargs="+", help="report/<name>.pdf or report/<name>.md")
    p.add_argument("--configfile", nargs="+", default=[], help="as for snakemake")
    p.add_argument("--cores", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.1, help="seconds between looks at the files")
    a = p.parse_args(argv)
    try:
        Watcher(a.targets, a.configfile, a.cores).run(a.interval)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
