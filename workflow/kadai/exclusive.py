"""Timing jobs run one at a time per results folder, and stop when their Snakemake is gone.

Snakemake runs a rule's jobs one after another when the rule asks for every core, but two
Snakemake processes in the same folder (a build of one report and a ``--forcerun`` of another)
know nothing of each other, and a job whose Snakemake was killed keeps running and writing. Two
measurements at once disturb each other, and a result written after its Snakemake is gone is
not part of any build. So every timing job holds ``results/.timing.lock`` (an advisory file lock
that the kernel releases when the process ends, however it ends) while it runs — a second one
waits and says for whom — and watches the Snakemake process that started it: when that is gone,
the job is interrupted before it writes anything (its outputs are written atomically at the end).
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

LOCK = Path("results") / ".timing.lock"
GRACE_S = 60.0  # after an interrupt the job has this long to stop before it is ended outright


@contextlib.contextmanager
def held(lock=LOCK):
    """Hold the exclusive lock ``lock`` for the body; wait (and say so) while another process has it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks, timing jobs may overlap
        print("note: no file locks on this system; run one snakemake at a time in this folder", file=sys.stderr)
        yield
        return
    lock = Path(lock)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            print(f"waiting for {holder} to finish: timing jobs in {lock.parent} run one at a time, because two "
                  "measurements at once would disturb each other", flush=True)
            t0 = time.monotonic()
            fcntl.flock(f, fcntl.LOCK_EX)
            print(f"… waited {time.monotonic() - t0:.0f} s", flush=True)
        f.seek(0)
        f.truncate()
        f.write(f"timing job pid {os.getpid()} ({Path(sys.argv[0]).name})\n")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


def snakemake_ancestor():
    """The nearest ancestor process whose command line runs Snakemake (None when there is none)."""
    import psutil

    p = psutil.Process().parent()
    while p is not None:
        try:
            if any("snakemake" in part for part in p.cmdline()):
                return p
            p = p.parent()
        except psutil.Error:
            return None
    return None


def alive(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _stop(grace_s: float) -> None:
    """KeyboardInterrupt in the job's main thread (a real SIGINT also ends a sleep or a wait):
    nothing is written, temporary files go."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        os.kill(os.getpid(), signal.SIGINT)
    else:
        _thread.interrupt_main()
    time.sleep(grace_s)
    os._exit(3)  # still running (stuck in a long call that ignores interrupts)


@contextlib.contextmanager
def watched(poll_s: float = 1.0, grace_s: float = GRACE_S, parent=None):
    """Interrupt the body when the Snakemake that started this process ends."""
    parent = parent or snakemake_ancestor()
    if parent is None:  # run by hand or by a scheduler: nobody to watch
        yield
        return
    done = threading.Event()

    def watch():
        while not done.wait(poll_s):
            if not alive(parent):
                print(f"Snakemake (pid {parent.pid}) has ended: this job stops without writing its results",
                      file=sys.stderr, flush=True)
                _stop(grace_s)
                return

    threading.Thread(target=watch, name="snakemake-watch", daemon=True).start()
    try:
        yield
    finally:
        done.set()


@contextlib.contextmanager
def timing_job(lock=LOCK):
    """Both: the folder's timing lock, and a stop when Snakemake is gone."""
    with held(lock), watched():
        yield
