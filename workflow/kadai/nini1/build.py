"""Compile the C ladder (``native/matmul.c``) as a shared library with a build variant's flags,
and record the exact command, the micro-kernel's SIMD path and its FMA instructions."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
from pathlib import Path

from ..io import write_json

DEPENDS_ON_FILES = ("workflow/kadai/native/matmul.c",)
SOURCE = Path(__file__).resolve().parents[3] / DEPENDS_ON_FILES[0]


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise RuntimeError("任意課題1 needs a C compiler: install gcc (Debian/Ubuntu: apt install gcc; "
                           "macOS: xcode-select --install) or set CC")
    return cc


def compile_library(flags: list[str], out_so) -> list[str]:
    """gcc ``flags`` -shared -fPIC -o ``out_so`` matmul.c; returns the command."""
    cmd = [compiler(), *flags, "-shared", "-fPIC", "-o", str(out_so), str(SOURCE)]
    Path(out_so).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(cmd, check=True)
    return cmd


def build(variant: str, flags: list[str], out_so, info_json) -> dict:
    """Compile one variant; record the command, the compiler, the SIMD path and FMA counts."""
    cmd = compile_library(flags, out_so)
    cc = cmd[0]
    version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    lib = ctypes.CDLL(str(Path(out_so).resolve()))
    lib.mm_simd.restype = ctypes.c_char_p
    info = {"variant": variant, "flags": flags, "command": " ".join(["gcc" if c == cc else c for c in cmd]),
            "compiler": version, "simd": lib.mm_simd().decode(), "fma": fma_counts(out_so)}
    write_json(info_json, info)
    return info


def fma_counts(so_path) -> dict:
    """Vector FMA / scalar FMA / all instructions per function, from objdump."""
    exe = shutil.which("objdump")
    if not exe:
        return {}
    text = subprocess.run([exe, "-d", "--no-show-raw-insn", str(so_path)], capture_output=True,
                          text=True).stdout
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <(\w+)>:", line)
        if m:
            current = m.group(1)
            continue
        if current and "\t" in line:
            ins = line.split("\t")[-1].split()[0] if line.split("\t")[-1].split() else ""
            d = out.setdefault(current, {"fma_vector": 0, "fma_scalar": 0, "instructions": 0})
            d["instructions"] += 1
            if ins.startswith("vfmadd") or ins.startswith("vfnmadd"):
                d["fma_scalar" if ins.endswith("sd") else "fma_vector"] += 1
    return {k: v for k, v in out.items() if k.startswith(("mm_", "micro_kernel", "panel"))}
