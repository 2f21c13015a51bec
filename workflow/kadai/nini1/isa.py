"""Which SIMD instructions the built libraries compute with, read from their machine code.

The build flags alone do not say it: ``-mno-avx2 -mno-fma`` still leaves gcc's auto-vectoriser
SSE2 (128-bit ``mulpd``/``addpd`` on x86-64), and ``-fno-tree-vectorize`` leaves the intrinsics
of the micro-kernel. So the analysis disassembles each library (``objdump -d``) and, per
function, finds the packed double-precision arithmetic (add, sub, mul, div, FMA on ``…pd``; moves
and shuffles are not arithmetic):

* ``bits``: the widest register it works on (xmm 128, ymm 256, zmm 512), 0 where there is none
  (the function computes with scalar instructions only);
* ``fma``: whether any of it is a fused multiply-add;
* ``isa``: ``SSE2`` (legacy encoding, no ``v`` prefix), ``AVX`` / ``AVX2+FMA`` (VEX, 128 or
  256 bits; with FMA named AVX2+FMA as the C code requires both), ``AVX-512`` (zmm), or
  ``scalar``;
* ``mnemonics``: the distinct packed arithmetic instructions, for the report.

Without objdump every function is unknown (an empty dict), and the report says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess

ARITH = re.compile(r"^v?(add|sub|mul|div|fn?madd\d{3}|fn?msub\d{3})pd$")
BITS = (("zmm", 512), ("ymm", 256), ("xmm", 128))
# where the micro-kernel's code lies: its own function, or the one it was inlined into
KERNEL_FUNCTIONS = ("micro_kernel", "panel", "mm_packed")


def disassemble(so_path) -> str | None:
    exe = shutil.which("objdump")
    if not exe:
        return None
    return subprocess.run([exe, "-d", "--no-show-raw-insn", str(so_path)], capture_output=True, text=True,
                          check=True).stdout


def parse(text: str) -> dict:
    """Per function of an ``objdump -d --no-show-raw-insn`` listing: its packed arithmetic."""
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <([\w.@]+)>:", line)
        if m:
            current = m.group(1)
            out.setdefault(current, {"packed": 0, "bits": 0, "fma": False, "vex": False, "mnemonics": set()})
            continue
        if current is None or "\t" not in line:
            continue
        words = line.split("\t")[-1].split(None, 1)
        if not words or not ARITH.match(words[0]):
            continue
        d = out[current]
        operands = words[1] if len(words) > 1 else ""
        d["packed"] += 1
        d["bits"] = max(d["bits"], next((b for reg, b in BITS if reg in operands), 128))
        d["fma"] = d["fma"] or "fm" in words[0]
        d["vex"] = d["vex"] or words[0].startswith("v")
        d["mnemonics"].add(words[0])
    return {name: summary(d) for name, d in out.items()}


def summary(d: dict) -> dict:
    if not d["packed"]:
        isa = "scalar"
    elif d["bits"] == 512:
        isa = "AVX-512"
    elif not d["vex"]:
        isa = "SSE2"
    else:
        isa = "AVX2+FMA" if d["fma"] else "AVX"
    return {"bits": d["bits"], "fma": d["fma"], "isa": isa, "packed": d["packed"],
            "mnemonics": sorted(d["mnemonics"])}


def vector_use(so_path, functions=("mm_ijk", "mm_ikj", "mm_blocked", *KERNEL_FUNCTIONS)) -> dict:
    """``functions`` of one library → their packed arithmetic ({} without objdump); the
    micro-kernel's entry is also under ``"kernel"`` (the first of KERNEL_FUNCTIONS present)."""
    text = disassemble(so_path)
    if text is None:
        return {}
    found = parse(text)
    out = {f: found[f] for f in functions if f in found}
    kernel = next((f for f in KERNEL_FUNCTIONS if f in found), None)
    if kernel:
        out["kernel"] = {**found[kernel], "function": kernel}
    return out
