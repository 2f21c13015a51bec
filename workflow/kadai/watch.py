"""``python -m kadai.watch report/kadai2.pdf [more targets] [--configfile F …] [--cores N]``

Rebuilds on every save while a report's wording is drafted. It runs Snakemake for the targets
(whatever is out of date is made, as always), then looks at the files the pipeline is made of
every 0.1 s, and on each save:

* only templates were edited (``templates/*.j2``, ``templates/report.typ``): the Markdown and PDF
  of the target reports they feed are rendered again in this process, by the calls the render
  jobs made last time, replayed (:func:`kadai.render.remember`: their inputs and parameters as
  Snakemake gave them). Only render jobs read templates, so this is all Snakemake would run; what
  it saves is Snakemake's own start (its imports and the parsing of the workflow, about 1.5 s
  here, more than the rendering itself) at every save. Where anything a render job read last time
  (apart from templates) is missing or newer than that job, or the job ran after the watch's own
  last Snakemake run (a Snakemake started by hand, perhaps with other settings), Snakemake runs
  instead;
* a template was added or removed, or a file under ``config/`` or a ``--configfile`` changed:
  Snakemake runs and decides what reruns;
* code changed (``workflow/``, the ``Snakefile``): the watch starts afresh, so that it renders
  with the edited code, and its start runs Snakemake.

The rendered files end newer than all their inputs, and Snakemake's records are told that they
were made from other contents (:func:`forget_checksums`), so a later ``snakemake`` finds them up to
date, and renders them again once an input changes, even back to what it last saw.
A step that fails (a rubric check, a template error) removes its output, and a failed Markdown
also the PDF made from it (:func:`kadai.made.sweep`), as a failed job does: no PDF outlives a
failed check. Files outside the watched folders (``results/``, ``data/``, installed fonts and
tools) are Snakemake's to check: after changing those, run it (or restart the watch). While
another Snakemake holds the folder's lock, the watch waits.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

TARGET = re.compile(r"^report/(?P<report>[A-Za-z0-9_]+)\.(?P<ext>md|pdf)$")
CODE = ("Snakefile", "workflow")  # a change here: a fresh watch, with the edited code
SETTINGS = ("config",)  # and the --configfile files: Snakemake decides
LOCKS = Path(".snakemake") / "locks"  # non-empty while a Snakemake runs in this folder
BENCHMARKS = Path("results") / "benchmarks"  # <rule>[/<wildcards>].tsv: each job's benchmark: file
METADATA = Path(".snakemake") / "metadata"  # Snakemake's record of each output (its file backend)


def ignored(name: str) -> bool:
    """An editor's or Python's file, not the pipeline's: hidden (``.x.swp``), a backup (``x~``),
    compiled Python."""
    return name.startswith(".") or name.endswith(("~", ".pyc"))


def snapshot(paths) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every file under ``paths`` (files or folders), but
    :func:`ignored` ones and Python's caches."""
    out = {}
    for top in map(str, paths):
        tops = [(os.path.dirname(top), [], [os.path.basename(top)])] if not os.path.isdir(top) else os.walk(top)
        for dirpath, dirs, files in tops:
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.endswith(".egg-info") and not ignored(d)]
            for f in files:
                p = os.path.join(dirpath, f)
                try:
                    st = os.stat(p)
                except OSError:  # removed meanwhile (an editor saving by renaming)
                    continue
                if p == top or not ignored(f):
                    out[p] = (st.st_mtime_ns, st.st_size)
    return out


def is_template(path: str) -> bool:
    p = Path(path)
    return p.parent.name == "templates" and (p.name.endswith(".j2") or p.name == "report.typ")


def decide(before: dict, after: dict, targets: dict[str, set[str]]) -> tuple[str, dict[str, set[str]]]:
    """What the files changed between two snapshots ask for: ``("restart", {})`` for code,
    ``("snakemake", {})`` for settings or a template added or removed, else ``("render", steps)``
    with ``steps`` = ``{report: {"md", "pdf"}}``, the render steps of the targets that the edited
    templates feed (none where none does: another report's template, an editor's backup file).
    ``targets``: report → the extensions asked for."""
    changes = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    top = {Path(c).parts[0] for c in changes}
    if top & set(CODE):
        return "restart", {}
    if top - {"templates"} or any(is_template(c) and (c in before) != (c in after) for c in changes):
        return "snakemake", {}
    steps: dict[str, set[str]] = {}
    for name in (Path(c).name for c in changes if is_template(c)):
        for report, exts in targets.items():
            if name == "report.typ":  # the page: PDFs only
                todo = {"pdf"} & exts
            elif name.startswith("_") or name == f"{report}.md.j2":  # a partial feeds every report
                todo = {"md"} | ({"pdf"} & exts)
            else:
                todo = set()
            if todo:
                steps.setdefault(report, set()).update(todo)
    return "render", steps


def parse_targets(targets) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in targets:
        m = TARGET.match(t)
        if not m:
            raise SystemExit(f"kadai.watch: {t!r} is not a report (report/<name>.pdf or report/<name>.md)")
        out.setdefault(m["report"], set()).add(m["ext"])
    return out


def replayable(out: str, records: list[dict], since: float = float("inf")) -> dict | None:
    """The call that made ``out`` last time (``{"rule", "arguments"}``, :func:`kadai.render.remember`),
    where it can be made again without Snakemake: every file the job read (its record,
    :mod:`kadai.made`) exists and, templates and the report's own Markdown apart, is not newer than
    that call, and the call was kept no later than ``since`` (the end of the watch's own last
    Snakemake run: a Snakemake started by hand may have used other settings). Else None."""
    from . import render

    kept = render.recalled(out)
    rec = next((r for r in records if r["outputs"] == [out]), None)
    if kept is None or rec is None:
        return None
    kept, made_at = kept
    if made_at > since:
        return None
    for i in rec["inputs"]:
        if TARGET.match(i):  # the report's Markdown: rendered before its PDF
            continue
        try:
            mtime = os.stat(i).st_mtime
        except OSError:
            return None
        if not is_template(i) and mtime > made_at:
            return None
    return kept


def forget_checksums(out: str) -> bool:
    """Snakemake's record of an output keeps the checksums of the small inputs it was made from,
    and takes an input newer than the output but with the recorded content as unchanged. An output
    the watch made came from other contents (an edited template, a new Markdown), so its record's
    checksums are dropped: Snakemake then compares times alone for it, which holds whatever the
    contents (a template edited back to what Snakemake last saw still renders again). Returns
    whether a record was changed."""
    import json
    from base64 import urlsafe_b64encode

    from .io import write_json

    path = METADATA / urlsafe_b64encode(out.encode()).decode()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or not record.get("input_checksums"):
        return False
    record["input_checksums"] = {}
    write_json(path, record)
    return True


class Watcher:
    def __init__(self, targets, configfiles=(), cores: int = 1, say=print):
        self.targets = parse_targets(targets)
        self.target_list = list(targets)
        self.configfiles = list(configfiles)
        self.cores = cores
        self.say = say
        self.synced_at = float("inf")  # when the watch's own Snakemake last ended (kept calls are older)

    def watched(self) -> list[str]:
        return [p for p in (*CODE, *SETTINGS, "templates", *self.configfiles) if Path(p).exists()]

    def snakemake(self) -> bool:
        from .loadtest import snakemake_command

        cmd = snakemake_command(self.target_list, self.cores, self.configfiles)
        self.say("$ " + " ".join(["snakemake", *cmd[3:]]))
        proc = subprocess.Popen(cmd)
        try:
            ok = proc.wait() == 0
        except KeyboardInterrupt:  # Ctrl-C reached Snakemake too: let it remove its locks and markers
            proc.wait()
            raise
        self.synced_at = time.time()
        if not ok:
            self.say("kadai.watch: Snakemake failed; the next save runs it again")
        return ok

    def calls(self, steps: dict[str, set[str]]) -> dict[tuple[str, str], dict] | None:
        """The calls to replay for ``steps``, keyed (report, step): the Markdown's too where it is
        missing (a failed render removed it); None where one cannot be replayed."""
        from . import made

        records = made.records()
        out = {}
        for report, todo in steps.items():
            if "pdf" in todo and not Path(f"report/{report}.md").exists():
                todo = todo | {"md"}
            for step in todo:
                call = replayable(f"report/{report}.{step}", records, self.synced_at)
                if call is None:
                    return None
                out[report, step] = call
        return out

    def render(self, calls: dict[tuple[str, str], dict], folder="report") -> bool:
        """Replay ``calls`` (Markdown before PDF) writing into ``folder``; False where a step failed.
        A failed step's output is removed, and what was made from it (:func:`kadai.made.sweep`)."""
        from . import made, render

        ok, real = True, Path(folder) == Path("report")  # not a scratch folder: Snakemake's records follow
        for report in sorted({r for r, _ in calls}):
            md, pdf = Path(folder, f"{report}.md"), Path(folder, f"{report}.pdf")
            for step, out in (("md", md), ("pdf", pdf)):
                if (report, step) not in calls:
                    continue
                call = calls[report, step]
                if real:  # before the output changes: an interrupt must not leave a record that vouches
                    forget_checksums(f"report/{out.name}")  # for the old one
                try:
                    if step == "md":
                        render.report_markdown(**call["arguments"], md_path=md)
                    else:
                        render.report_pdf(md, pdf, **call["arguments"])
                except Exception as e:  # noqa: BLE001 - any failure is reported, and the watch goes on
                    self.say(f"kadai.watch: {out}: {type(e).__name__}: {e}")
                    out.unlink(missing_ok=True)  # as Snakemake removes a failed job's output
                    made.sweep(say=self.say)
                    ok = False
                    break
                # Snakemake counts a job's benchmark file among its outputs: it must end newer too
                benchmark = BENCHMARKS / call["rule"] / f"{report}.tsv"
                if real and benchmark.exists():
                    os.utime(benchmark)
        return ok

    def scratch(self, calls: dict[tuple[str, str], dict]) -> bool:
        """Replay ``calls`` into a scratch folder, quietly (the report's files stay as they are)."""
        import contextlib
        import io
        import shutil

        folder = Path("report") / ".watch"  # inside report/, so that the figures' relative paths hold
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return self.render(calls, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def warm(self) -> bool:
        """Render every target once into scratch files (its Markdown too): the first render of a
        process also imports the renderers and has typst read the fonts and figures (0.6 s more
        for 課題2), which the first save should not wait for."""
        calls = self.calls({r: {"md"} | exts for r, exts in self.targets.items()})
        return bool(calls) and self.scratch(calls)

    def step(self, steps: dict[str, set[str]]) -> bool:
        """Render ``steps`` in this process; False where Snakemake must run instead."""
        start = time.perf_counter()
        calls = self.calls(steps)
        if calls is None:
            return False
        if self.render(calls):
            done = ", ".join(f"report/{r}.{e}" for r, e in sorted(calls))
            self.say(f"kadai.watch: {done} in {time.perf_counter() - start:.2f} s")
        return True

    def run(self, argv, interval: float = 0.1) -> None:
        seen = snapshot(self.watched())  # before the build: a save during it is seen afterwards
        ready = self.snakemake()
        if ready and not self.warm():
            self.say("kadai.watch: the warm-up render failed; the first save shows why")
        self.say(f"kadai.watch: watching {', '.join(self.watched())} (Ctrl-C stops)")
        waiting = False
        while True:
            time.sleep(interval)
            now = snapshot(self.watched())
            if now == seen:
                continue
            if LOCKS.is_dir() and any(LOCKS.iterdir()):  # another Snakemake is at work here
                if not waiting:
                    self.say(f"kadai.watch: waiting for the Snakemake that holds {LOCKS}/ "
                             "(where none runs: snakemake --unlock)")
                waiting = True
                continue
            waiting = False
            time.sleep(0.03)  # an editor may write in more than one step
            now = snapshot(self.watched())
            what, steps = decide(seen, now, self.targets)
            if what == "restart":
                self.say("kadai.watch: the code changed; starting afresh")
                sys.stdout.flush()
                sys.stderr.flush()
                os.execv(sys.executable, [sys.executable, "-m", "kadai.watch", *argv])
            seen = now
            if what == "snakemake" or not ready or (steps and not self.step(steps)):
                ready = self.snakemake()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog="python -m kadai.watch", description=__doc__.split("\n\n")[1])
    p.add_argument("targets", nargs="+", help="report/<name>.pdf or report/<name>.md")
    p.add_argument("--configfile", nargs="+", default=[], help="as for snakemake")
    p.add_argument("--cores", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.1, help="seconds between looks at the files")
    a = p.parse_args(argv)
    if not Path("Snakefile").is_file():
        raise SystemExit("kadai.watch: no Snakefile here: run it in the repository's folder, as snakemake")
    sys.stdout.reconfigure(line_buffering=True)  # each message as it happens, also into a pipe
    try:
        Watcher(a.targets, a.configfile, a.cores).run(argv, a.interval)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
