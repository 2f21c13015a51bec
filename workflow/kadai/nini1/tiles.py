"""The last GPU kernel's tiles (``nini1.gpu.vec``): which settings its ``static_assert``\\ s accept.

Light on purpose (no NumPy): the config check runs it before any job, and ``gputune`` before it
tries a setting. The rules are those of ``workflow/kadai/native/matmul_gpu.cu``; a test compiles
settings on both sides of each with NVRTC.
"""

from __future__ import annotations

SHARED_BYTES = 48 * 1024  # static shared memory a block may have


def threads(vec: dict) -> int:
    """Threads per block: one per 4·RM × 4·RN piece of the VBM × VBN tile."""
    return (vec["VBM"] // (4 * vec["RM"])) * (vec["VBN"] // (4 * vec["RN"]))


def problem(vec: dict) -> str | None:
    """Why the kernel would not compile with ``vec``, or None where it fits."""
    if vec["APAD"] % 4 or vec["VBK"] % 4:
        return "APAD and VBK must be multiples of 4 (the tiles are read in float4 pieces)"
    if vec["VBM"] % (4 * vec["RM"]) or vec["VBN"] % (4 * vec["RN"]):
        return "VBM must be a multiple of 4·RM and VBN of 4·RN (whole pieces per thread)"
    t = threads(vec)
    for name, pieces in (("A", vec["VBM"] * vec["VBK"] // 4), ("B", vec["VBK"] * vec["VBN"] // 4)):
        if pieces % t or pieces < t:
            return (f"{name}'s tile has {pieces} float4 pieces, not a whole number (≥ 1) per thread "
                    f"for {t} threads")
    shared = 2 * vec["VBK"] * (vec["VBM"] + vec["APAD"] + vec["VBN"]) * 4
    if shared > SHARED_BYTES:
        return f"the two buffers of both tiles need {shared} B of shared memory, more than {SHARED_BYTES}"
    return None


def fits(vec: dict) -> bool:
    return problem(vec) is None
