"""任意課題1: the measured peak (clock, FMA units) and the micro-kernel alone, with tiny timings."""

from __future__ import annotations

import ctypes
import json
import platform
import shutil

import pytest
from kadai import deps, io
from kadai.nini1 import build, peak

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")
TINY = {"seconds_per_test": 0.02, "repeats": 2}


@pytest.fixture(scope="module")
def libs(tmp_path_factory):
    d = tmp_path_factory.mktemp("peak")
    build.compile_library(["-O3", "-march=native", "-fopenmp"], d / "libmm.so")
    peak.build(d / "libpeak.so")
    return d / "libpeak.so", d / "libmm.so"


@pytest.fixture(scope="module")
def measured(libs):
    return peak.measure(libs[0], **TINY)


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_peak_c_counts_its_work_at_any_optimisation(tmp_path, opt):
    peak.build(tmp_path / "libpeak.so", flags=(opt,))
    lib = peak.load(tmp_path / "libpeak.so")
    if not X86:
        assert lib.peak_add_chain(10) == -1 and not lib.peak_has_avx2() and not lib.peak_has_avx512()
        return
    assert lib.peak_add_chain(1000) == 1000 * 32  # cycles = iterations × chain length
    assert lib.peak_add_chain(0) == 0
    if lib.peak_has_avx2():
        assert lib.peak_fma_avx2(100) == 100 * 12 * 4 * 2  # 12 accumulators × 4 lanes × 2 FLOPs
    if lib.peak_has_avx512():
        assert lib.peak_fma_avx512(100) == 100 * 24 * 8 * 2


@pytest.mark.skipif(not X86, reason="the peak is measured on x86 only")
def test_measured_clock_and_fma_units_are_plausible(libs, measured):
    lib = peak.load(libs[0])
    assert measured["available"] and measured["threads"] == 1
    assert 0.5 < measured["ghz"] < 7
    assert len(measured["ghz_samples"]) == TINY["repeats"]
    avx2 = measured["avx2"]
    assert avx2["supported"] == bool(lib.peak_has_avx2())
    if avx2["supported"]:
        assert 4 <= avx2["flop_per_cycle"] <= 40 and avx2["units"] >= 1 and avx2["lanes"] == 4
        assert avx2["peak_gflops"] == pytest.approx(measured["ghz"] * 8 * avx2["units"])
    avx512 = measured["avx512"]
    assert avx512["supported"] == bool(lib.peak_has_avx512())
    assert (avx512["gflops"] is not None) == avx512["supported"]  # measured only where supported
    if avx512["supported"]:
        assert avx512["units"] >= 1 and measured["widest"] == "avx512"
    assert measured["peak_gflops"] == (measured[measured["widest"]]["peak_gflops"] if measured["widest"] else None)
    json.dumps(measured, allow_nan=False)


def test_micro_bench_returns_exact_flops(libs):
    lib = ctypes.CDLL(str(libs[1]))
    peak.micro_bench(lib, kc=8, seconds=0.001, repeats=1)  # sets the ctypes signature
    for kc, reps in ((1, 1), (7, 3), (256, 10), (300, 0)):
        assert lib.mm_micro_bench(kc, reps) == 2 * 6 * 8 * kc * reps


@pytest.mark.skipif(not X86, reason="the peak is measured on x86 only")
def test_micro_kernel_is_positive_and_below_the_hardware(libs, measured, tmp_path):
    result = peak.run(*libs, tmp_path / "peak.json", **TINY)
    micro = result["micro_kernel"]
    assert micro["kc"] == 256 and micro["gflops"] > 0
    if measured["avx2"]["supported"]:
        assert micro["gflops"] < 4 * measured["avx2"]["peak_gflops"]
    assert io.read_json(tmp_path / "peak.json")["micro_kernel"]["kc"] == 256
    json.dumps(result, allow_nan=False)


def test_peak_c_is_an_input_of_the_peak_module():
    assert "workflow/kadai/native/peak.c" in deps.code_files(None, "kadai.nini1.peak")
