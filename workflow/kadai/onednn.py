"""oneDNN's own account of what PyTorch ran on the CPU: its verbose mode names every primitive
(convolution, reorder, …) with the implementation chosen, the memory formats and its own time.
Shared by 課題2's ``torch_onednn`` experiment and 課題3's layer profile."""

from __future__ import annotations


def _format(md: str) -> tuple[str, bool]:
    """A memory descriptor as the verbose mode prints it, ``f32:p:blocked:aBcd16b::f0``: its format
    tag (``aBcd16b``) and whether it is padded (``p`` among its flags: a blocked dimension allocated
    rounded up to its block)."""
    parts = md.split(":") + [""] * 4
    return parts[3], "p" in parts[1]


def primitives(text: str) -> list[dict]:
    """The primitives a oneDNN verbose log ran (``onednn_verbose,v1,primitive,exec,…`` lines): kind,
    implementation, propagation (``forward_training``, ``backward_data``, …), source, destination and
    weights formats (and whether the weights are padded), problem and time in ms."""
    out = []
    for line in text.splitlines():
        f = line.strip().split(",")
        if len(f) < 13 or f[:4] != ["onednn_verbose", "v1", "primitive", "exec"]:
            continue
        mds = dict(m.split(":", 1) for m in f[8].split() if ":" in m)
        wei, padded = _format(mds.get("wei", ""))
        out.append({"primitive": f[5], "implementation": f[6], "propagation": f[7],
                    "src": _format(mds.get("src", ""))[0], "dst": _format(mds.get("dst", ""))[0],
                    "wei": wei, "wei_padded": padded, "dims": f[-2], "ms": float(f[-1])})
    return out


def traced(call) -> tuple[float, str]:
    """Run ``call`` once with oneDNN's verbose mode on: (its seconds, what oneDNN printed). oneDNN
    prints to the C stdout, so that file descriptor goes to a temporary file meanwhile. A PyTorch
    without oneDNN, or whose oneDNN cannot turn the mode on, runs ``call`` plainly: nothing printed."""
    import ctypes
    import os
    import sys
    import tempfile
    import time

    import torch

    def timed() -> float:
        t0 = time.perf_counter()
        call()
        return time.perf_counter() - t0

    if not torch.backends.mkldnn.is_available():
        return timed(), ""
    sys.stdout.flush()
    with tempfile.TemporaryFile() as log:
        saved = os.dup(1)
        os.dup2(log.fileno(), 1)
        try:
            mode = torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON)
            try:
                mode.__enter__()
            except AssertionError:  # PyTorch asserts when oneDNN refuses the verbose mode
                mode = None
            try:
                seconds = timed()
            finally:
                if mode is not None:
                    mode.__exit__(None, None, None)
            ctypes.CDLL(None).fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        log.seek(0)
        return seconds, log.read().decode(errors="replace")
