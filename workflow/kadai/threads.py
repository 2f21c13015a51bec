"""Thread counts of PyTorch, BLAS and OpenMP, set for a block of code and restored afterwards,
and the cores other processes keep busy (which decide how many threads are worth having)."""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def limited(threads: int | None, *, torch: bool = True, blas: bool = True):
    """Run the block with ``threads`` threads (None: leave everything as it is).

    ``blas`` limits only the BLAS pools (threadpoolctl's ``user_api="blas"``), so an OpenMP
    library of our own keeps its own setting; ``torch`` sets ``torch.set_num_threads``.
    Both are put back on exit, also after an exception.
    """
    if threads is None:
        yield
        return
    with contextlib.ExitStack() as stack:
        if blas:
            from threadpoolctl import threadpool_limits
            stack.enter_context(threadpool_limits(limits=threads, user_api="blas"))
        if torch:
            import torch as _torch
            before = _torch.get_num_threads()
            _torch.set_num_threads(threads)
            stack.callback(_torch.set_num_threads, before)
        yield


def usable(requested: int | None, sample_s: float = 0.3, say=print) -> int | None:
    """``requested`` threads, or fewer when other processes keep cores busy right now.

    A thread that shares its core with a busy process stalls every parallel region of the
    others: with one core of two busy, two PyTorch threads trained the course CNN 4–9× and a
    small MLP 5–9× slower than one thread (measured; quietly two threads gain at most 1.3×).
    So a job asks for the cores nobody else is using, measured over ``sample_s`` seconds
    (Linux; elsewhere ``requested`` is kept)."""
    if requested is None or requested <= 1:
        return requested
    import math
    import time

    load = ForeignLoad()
    time.sleep(sample_s)
    busy, _ = load.cores()
    if not busy == busy or busy < 0.5:  # NaN: cannot tell, keep the request
        return requested
    fewer = max(1, requested - math.ceil(busy - 0.25))
    say(f"other processes keep {busy:.1f} cores busy: using {fewer} thread(s) instead of {requested}")
    return fewer


class ForeignLoad:
    """Cores kept busy between creation and ``cores()``: by other processes (the busy jiffies of
    the whole machine, /proc/stat, minus this process's own, /proc/self/stat) and by this process
    (all its threads), per elapsed jiffy. NaN where /proc does not exist (not Linux)."""

    def __init__(self):
        self.start_sample = self._sample()

    @staticmethod
    def _sample():
        try:
            cpu = [int(v) for v in open("/proc/stat").readline().split()[1:]]
            own = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            return None
        idle = cpu[3] + (cpu[4] if len(cpu) > 4 else 0)
        return sum(cpu), sum(cpu) - idle, int(own[11]) + int(own[12])  # total, busy, utime + stime

    def cores(self) -> tuple[float, float]:
        """(cores other processes kept busy, cores this process used)."""
        end = self._sample()
        if self.start_sample is None or end is None:
            return float("nan"), float("nan")
        total, busy, own = (b - a for a, b in zip(self.start_sample, end))
        if total <= 0:
            return float("nan"), float("nan")
        n_cpu = os.cpu_count() or 1
        return max(0.0, (busy - own) / total * n_cpu), own / total * n_cpu
