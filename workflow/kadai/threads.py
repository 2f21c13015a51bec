"""Thread counts of PyTorch, BLAS and OpenMP, set for a block of code and restored afterwards."""

from __future__ import annotations

import contextlib


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
