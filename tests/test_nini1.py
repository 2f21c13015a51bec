"""任意課題1: every C kernel against NumPy on awkward sizes, every micro-kernel build."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from kadai import render
from kadai.nini1 import build, measure, plan

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module", params=["O3", "avx2", "portable"])
def built(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    info = build.build(request.param, plan.BUILDS[request.param], d / "libmm.so", d / "info.json")
    return info, measure.load(d / "libmm.so")


# whole and cut tiles, several row blocks, and (601) two k blocks: the first stores into C, the second adds
@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 8, 9, 12, 13, 16, 25, 47, 100, 130, 601])
def test_every_kernel_matches_numpy(built, n):
    _, lib = built
    rng = np.random.default_rng(n)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    for k in measure.KERNELS:
        c = np.full((n, n), np.nan)  # poisoned: every element must be written
        rc = getattr(lib, f"mm_{k}")(n, a, b, c)
        assert rc in (None, 0)
        np.testing.assert_allclose(c, a @ b, rtol=1e-12, atol=1e-12, err_msg=k)


def test_build_records_flags_and_micro_kernel_choice(built):
    info, _ = built
    assert info["flags"] == plan.BUILDS[info["variant"]]
    if info["variant"] == "portable":
        assert info["simd"] == "portable"  # -mno-avx2 -mno-fma selects the C fallback
    if info["variant"] == "avx2":
        assert info["simd"] != "avx512f"  # -mno-avx512f: the 256-bit kernel, the baseline of hypothesis 6
    json.dumps(info)


def test_fma_instructions_are_found_only_in_the_avx2_build(built):
    info, _ = built
    counts = {k: v["fma_vector"] for k, v in info["fma"].items()}
    if info["variant"] == "portable" or not shutil.which("objdump"):
        assert sum(counts.values()) == 0
    elif info["simd"] == "avx2+fma":
        assert sum(counts.values()) >= 12  # 6×2 accumulators updated by FMA per k step
    elif info["simd"] == "avx512f":
        assert sum(counts.values()) >= 24  # 12×2 accumulators


def test_openmp_threads_give_the_same_result(built):
    _, lib = built
    rng = np.random.default_rng(0)
    for n in (200, 601):  # one and two k blocks
        a, b = rng.random((n, n)), rng.random((n, n))
        for t in (1, 2, 3):
            lib.mm_set_threads(t)
            c = np.full_like(a, np.nan)
            assert lib.mm_packed_omp(n, a, b, c) == 0
            np.testing.assert_allclose(c, a @ b, rtol=1e-12)


def test_c_listing_extraction():
    code = render.extract_source(build.SOURCE, "mm_ikj")
    assert code.startswith("void mm_ikj(") and code.rstrip().endswith("}")
    with pytest.raises(KeyError):
        render.extract_source(build.SOURCE, "mm_nothing")


def _vec() -> dict:
    """config.yaml's settings of the last GPU kernel."""
    from kadai.config import read_yaml

    return read_yaml(ROOT / "config/config.yaml")["nini1"]["gpu"]["vec"]


def test_the_gpu_kernels_compile_with_nvrtc_without_a_gpu():
    pytest.importorskip("cuda.bindings.nvrtc")
    from kadai.nini1 import gpu

    for arch in ("compute_75", "compute_80", "compute_90"):
        ptx = gpu.compile_ptx(_vec(), arch)
        assert all(f".entry {k}" in ptx for k in gpu.KERNELS), arch


@pytest.mark.parametrize("change, fits", [
    ({}, True), ({"VBN": 128, "RN": 2}, True), ({"VBM": 64, "VBK": 16}, True),
    ({"VBK": 16}, False),  # 128×256 tiles 16 deep: 49 KiB of shared memory
    ({"APAD": 2}, False), ({"VBM": 32, "RM": 16}, False),  # float4 alignment; 64 rows per thread
    ({"VBM": 64, "VBN": 64, "RM": 1, "RN": 1, "VBK": 4}, False)])  # 256 threads, 64 pieces of a tile
def test_the_tile_rule_is_the_kernels(change, fits):
    """The config check and gputune accept only settings the kernel's static_asserts accept: the
    rule (kadai.nini1.tiles) and the compiler agree, and a misfit is named."""
    pytest.importorskip("cuda.bindings.nvrtc")
    from kadai.nini1 import gpu, tiles

    vec = {**_vec(), **change}
    assert tiles.fits(vec) is fits and (tiles.problem(vec) is None) is fits
    if fits:
        gpu.compile_ptx(vec)
    else:
        with pytest.raises(RuntimeError, match="static assertion|static_assert"):
            gpu.compile_ptx(vec)


def test_tiles_that_do_not_fit_stop_the_config_check_and_skip_the_gpu_part(tmp_path):
    from kadai import config
    from kadai.config import read_yaml
    from kadai.nini1 import gpu

    cfg = read_yaml(ROOT / "config/config.yaml")
    assert config.cross_problems(cfg) == []
    bad = {**_vec(), "VBN": 256, "RN": 4, "VBK": 16}  # 49 KiB of shared memory
    cfg["nini1"]["gpu"]["vec"] = bad
    found = dict(config.cross_problems(cfg))
    assert "shared memory" in found["nini1.gpu.vec"] and "gputune" in found["nini1.gpu.vec"]
    result = gpu.measure(64, 2, 9, bad, tmp_path / "gpu.json")  # python -m kadai.gpucheck skips the config check
    assert result["available"] is False
    from kadai.backends.availability import cupy_status
    if cupy_status().ok:
        assert "nini1.gpu.vec" in result["reason"]


def test_the_tuner_tries_the_configured_setting_first_and_last_and_only_fitting_ones():
    from kadai.nini1 import gputune, tiles

    base = _vec()
    tried = gputune.settings(base)
    assert tried[0] == tried[-1] == base and base not in tried[1:-1]
    assert all(tiles.fits(v) for v in tried) and len({tuple(v.items()) for v in tried}) == len(tried) - 1
    assert {(v["VBM"], v["VBN"], v["RM"], v["RN"]) for v in tried} <= {s for s in gputune.SHAPES} | {
        (base["VBM"], base["VBN"], base["RM"], base["RN"])}


def test_a_kernel_that_does_not_compile_names_nvrtcs_error(tmp_path, monkeypatch):
    pytest.importorskip("cuda.bindings.nvrtc")
    from kadai.nini1 import gpu

    bad = tmp_path / "bad.cu"
    bad.write_text('extern "C" __global__ void mm_naive(float* a) { a[0] = undefined_name; }\n')
    monkeypatch.setattr(gpu, "SOURCE", bad)
    with pytest.raises(RuntimeError, match="undefined_name"):
        gpu.compile_ptx(_vec())



def test_the_tuner_names_the_fastest_setting_and_survives_a_failing_one(monkeypatch, capsys):
    """gputune on stand-in timings: a setting the GPU refuses is reported and skipped, the fastest
    of the rest is printed in the config's form, and without a GPU it says why and exits 1."""
    from types import SimpleNamespace

    from kadai.nini1 import gpu, gputune

    base = _vec()
    fast = {**base, "VBN": 128, "RN": 2, "VBK": 16, "APAD": 0}  # 0.95 of cuBLAS here; the rest 0.9

    def run(n, rounds, check_n, vec, contenders, alone):
        assert alone is False  # the tuner ranks by the rounds alternating with cuBLAS: no bursts
        if vec["VBM"] == 64 and vec["VBN"] == 256:
            raise RuntimeError("cudaErrorLaunchOutOfResources: too many resources requested for launch")
        share = 0.95 if vec == fast else 0.9
        return {"N": n, "samples": {"cublas": [1.0] * rounds, "mm_vec": [1 / share] * rounds}}

    monkeypatch.chdir(ROOT)  # gputune reads config/config.yaml as the pipeline does
    monkeypatch.setattr(gpu, "_run", run)
    monkeypatch.setattr("kadai.backends.availability.cupy_status", lambda: SimpleNamespace(ok=True, reason=""))
    assert gputune.main(["--n", "64", "--rounds", "6"]) == 0
    out = capsys.readouterr().out.splitlines()
    failed = [line for line in out if "failed (RuntimeError: cudaErrorLaunchOutOfResources" in line]
    assert len(failed) == 4  # 64×256: 2 depths × 2 paddings
    assert out[-1] == "fastest: vec: {" + ", ".join(f"{k}: {v}" for k, v in fast.items()) + "}"
    monkeypatch.setattr("kadai.backends.availability.cupy_status", lambda: SimpleNamespace(ok=False, reason="no GPU"))
    assert gputune.main([]) == 1 and capsys.readouterr().out == "skipped: no GPU\n"

@pytest.mark.parametrize("n", [1, 99, 128, 1000])
def test_every_kernel_launch_covers_the_matrix(n):
    from kadai.nini1 import gpu

    for vec in (_vec(), {**_vec(), "VBM": 64, "VBN": 128, "RM": 2, "RN": 2}):
        per_block = {"mm_naive": (16, 16), "mm_shared": (32, 32), "mm_regtile": (128, 128),
                     "mm_vec": (vec["VBN"], vec["VBM"])}  # (columns, rows) of C
        for k in gpu.KERNELS:
            grid, block = gpu.launch(k, n, vec)
            assert grid[0] * per_block[k][0] >= n and grid[1] * per_block[k][1] >= n
        # one thread per 4·RM × 4·RN piece of the block's tile
        assert gpu.launch("mm_vec", n, vec)[1][0] * 16 * vec["RM"] * vec["RN"] == vec["VBM"] * vec["VBN"]


@pytest.mark.parametrize("check_n", [99, 124, 127, 999, 1000, 1023])
def test_the_correctness_check_covers_the_tile_guards_and_the_float4_path(check_n):
    from kadai.nini1 import gpu

    odd, aligned = gpu.check_sizes(check_n)
    assert odd % 2 == 1 and odd >= check_n  # the scalar path and every guard
    assert aligned % 8 == 4  # float4 loads, and a partial tile of every size and depth that 8 divides


class _DeviceArray(np.ndarray):
    """A NumPy array that answers ``.get()`` like a CuPy one."""

    def get(self):
        return np.asarray(self)


def _fake_cupy(skip_last_row: set):
    """Enough of CuPy for nini1.gpu on the CPU: the kernels compute A·B with NumPy, except those in
    ``skip_last_row``, which leave the last row of C unwritten at every size (a missing guard)."""
    from types import SimpleNamespace

    wrap = lambda x: np.asarray(x).view(_DeviceArray)  # noqa: E731
    pool = {}  # like CuPy's memory pool: an empty array may still hold an earlier product

    def function(name):
        def run(grid, block, args):
            a, b, c, n = args
            rows = slice(0, int(n) - 1) if name in skip_last_row else slice(None)
            c[rows] = (np.asarray(a) @ np.asarray(b))[rows]
            pool[c.shape] = np.array(c)
        return run

    def matmul(a, b, out):
        np.matmul(a, b, out=out)
        pool[out.shape] = np.array(out)

    class Event:
        def record(self):
            pass

        def synchronize(self):
            pass

    device = SimpleNamespace(synchronize=lambda: None, id=0)
    cuda = SimpleNamespace(Device=lambda *a: device, Event=Event, get_elapsed_time=lambda s, e: 1.0,
                           runtime=SimpleNamespace(getDeviceProperties=lambda i: {"name": b"fake"}))
    return SimpleNamespace(RawModule=lambda **kw: SimpleNamespace(get_function=function), cuda=cuda,
                           float32=np.float32, asarray=wrap,
                           full=lambda shape, v, dtype: wrap(np.full(shape, v, dtype)),
                           empty=lambda shape, dtype: wrap(pool.get(shape, np.zeros(shape, dtype)).copy()),
                           matmul=matmul)


@pytest.mark.parametrize("broken", [set(), {"mm_shared"}, {"mm_vec"}])
def test_a_kernel_that_leaves_an_edge_unwritten_fails_its_check_and_is_not_timed(monkeypatch, broken):
    """Every contender writes into its own NaN-filled output: a kernel that skips the last row
    fails (before, a pooled buffer could still hold another contender's correct product), and it
    is neither run at the timed size nor timed."""
    import sys

    from kadai.nini1 import gpu

    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(broken))
    result = gpu._run(64, 6, 9, _vec())
    for name in gpu.CONTENDERS:
        assert result["correct"][name]["ok"] is (name not in broken), name
        assert (name in result["samples"]) is (name not in broken), name
        assert ("timed_size_ok" in result["correct"][name]) is (name not in broken), name
    # cuBLAS and the last kernel also each alone, one sample per round, where both were timed
    alone = result["alone"]["samples"]
    assert alone == ({} if "mm_vec" in broken else {"cublas": [1e-3] * 6, "mm_vec": [1e-3] * 6})
    assert result["vec"] == _vec()


def test_without_a_gpu_the_gpu_part_says_why(tmp_path):
    from kadai.backends.availability import cupy_status
    from kadai.nini1 import gpu

    if cupy_status().ok:
        pytest.skip("this machine has a GPU")
    result = gpu.measure(64, 2, 9, _vec(), tmp_path / "gpu.json")
    assert result == {"available": False, "reason": cupy_status().reason}
    assert json.loads((tmp_path / "gpu.json").read_text(encoding="utf-8"))["available"] is False


def test_gpu_steps_are_decided_on_paired_rounds():
    from kadai.nini1 import analyse

    rng = np.random.default_rng(0)
    noise = lambda: 1 + 0.01 * rng.random(8)  # noqa: E731
    samples = {"cublas": 1.0 * noise(), "mm_naive": 10.0 * noise(), "mm_shared": 4.0 * noise(),
               "mm_regtile": 2.0 * noise(), "mm_vec": 1.05 * noise()}
    gpu = {"available": True, "device": "fake", "N": 1024, "rounds": 8, "samples": samples, "check_n": 99,
           "correct": {k: {"relative_error": 1e-6, "ok": True} for k in samples}}
    facts = analyse.gpu_facts(gpu)
    assert [facts["steps"][k]["outcome"] for k in ("shared", "regtile", "vec", "goal")] == ["yes"] * 4
    assert facts["gflops"]["cublas"] == pytest.approx(2 * 1024**3 / np.median(samples["cublas"]) / 1e9)
    assert facts["check_n"] == [99] and facts["same_error"] == 1e-6
    slow = {**samples, "mm_vec": 1.9 * noise()}  # no faster than the register tiles by 1.2×
    facts = analyse.gpu_facts({**gpu, "samples": slow})
    assert facts["steps"]["vec"]["outcome"] == "no" and facts["steps"]["goal"]["outcome"] == "no"
    near = {**samples, "mm_vec": np.array([1.0, 1.2] * 4) * noise()}  # 0.83–1.0 of cuBLAS: straddles 0.9
    assert analyse.gpu_facts({**gpu, "samples": near})["steps"]["goal"]["outcome"] == "unknown"
    wrong = {k: v for k, v in samples.items() if k != "mm_shared"}  # failed its check: not timed
    facts = analyse.gpu_facts({**gpu, "samples": wrong})
    assert facts["steps"]["shared"]["reason"] == "wrong_result"
    differ = {**gpu["correct"], "mm_naive": {"relative_error": 3e-6, "ok": True}}
    assert analyse.gpu_facts({**gpu, "correct": differ})["same_error"] is None
    assert analyse.gpu_facts({"available": False, "reason": "x"}) == {"available": False, "reason": "x"}



@pytest.mark.parametrize("alone_vec, rounds, outcome, reason", [
    (1.05, 8, "yes", "above"),       # 0.95 of cuBLAS alone too: the goal holds either way
    (1.25, 8, "unknown", "order"),   # 0.8 alone: the two orders disagree
    ("near", 8, "unknown", "straddles"),  # alone undecided: so is the goal
    (1.05, 2, "yes", "above"),       # too few rounds alone: the rotation decides alone
    (None, 8, "yes", "above")])      # a raw file from before the runs alone: the rotation decides
def test_the_gpu_goal_counts_both_orders_of_running(alone_vec, rounds, outcome, reason):
    from kadai.nini1 import analyse

    rng = np.random.default_rng(1)
    noise = lambda k=8: 1 + 0.01 * rng.random(k)  # noqa: E731
    samples = {"cublas": noise(), "mm_naive": 10 * noise(), "mm_shared": 4 * noise(), "mm_regtile": 2 * noise(),
               "mm_vec": 1.05 * noise()}  # 0.95 of cuBLAS amid the others
    gpu = {"available": True, "device": "fake", "N": 1024, "rounds": 8, "samples": samples, "check_n": [99, 100],
           "correct": {k: {"relative_error": 1e-6, "ok": True} for k in samples}}
    if alone_vec is not None:
        vec = np.array([1.0, 1.2] * 4)[:rounds] if alone_vec == "near" else alone_vec * noise(rounds)
        gpu["alone"] = {"burst": 4, "samples": {"cublas": noise(rounds), "mm_vec": vec}}
    facts = analyse.gpu_facts(gpu)
    assert facts["steps"]["goal"]["outcome"] == "yes"
    assert (facts["goal"]["outcome"], facts["goal"]["reason"]) == (outcome, reason)
    assert facts["goal_both"] is (alone_vec is not None and rounds >= 6)
    if alone_vec is not None:
        cublas = gpu["alone"]["samples"]["cublas"]
        assert facts["alone"]["gflops"]["cublas"] == pytest.approx(2 * 1024**3 / np.median(cublas) / 1e9)


def test_the_last_gpu_step_is_described_by_what_its_settings_change():
    from kadai.nini1 import analyse

    first = analyse.vec_facts(analyse.GPU_FIRST_VEC)  # the H100's: the register tiles' size, 16 deep
    assert first["changes"] == ["depth", "float4", "double", "pad"] and (first["TM"], first["TN"]) == (8, 8)
    now = analyse.vec_facts(_vec())
    assert now["changes"][-3:-1] == ["float4", "double"]
    assert ("tiles" in now["changes"]) is ((now["VBM"], now["VBN"], now["TM"], now["TN"]) != (128, 128, 8, 8))
    assert analyse.vec_facts({**_vec(), "APAD": 0})["changes"][-1] == "double"

# ---------------------------------------------------------------- cachegrind: only completed runs count

VALGRIND_SIGILL = """==1== Cachegrind, a cache and branch-prediction profiler
vex amd64->IR: unhandled instruction bytes: 0x62 0xF2 0xFD 0x48 0x19 0xD1
==1== Process terminating with default action of signal 4 (SIGILL)
==1==  Illegal opcode at address 0x10A8AA
==1==    at 0x10A8AA: mm_ikj (in /x/driver)
==1== I   refs:      175,763
==1== D   refs:       55,407  (40,771 rd   + 14,636 wr)
==1== D1  misses:      2,064  ( 1,513 rd   +    551 wr)
==1== LLd misses:      1,757  ( 1,244 rd   +    513 wr)
"""


def _fake_valgrind(returncode, stderr):
    import subprocess

    def runner(cmd, **kw):
        return subprocess.CompletedProcess(cmd, returncode, "", stderr)
    return runner


@pytest.mark.parametrize("returncode, signal_name, exit_status", [(-4, "SIGILL", None), (1, "SIGILL", 1)])
def test_a_crashed_simulation_is_recorded_as_failed_and_its_counts_are_dropped(returncode, signal_name, exit_status):
    """valgrind prints counts even for a program that died mid-kernel: they must not be used."""
    from kadai.nini1 import analyse, cachegrind

    r = cachegrind.cachegrind("driver", "ikj", 192, runner=_fake_valgrind(returncode, VALGRIND_SIGILL),
                              valgrind="valgrind")
    assert r["status"] == "failed" and r["available"] is False
    assert r["signal"] == signal_name and r["exit_status"] == exit_status and r["function"] == "mm_ikj"
    assert r["unhandled_instruction"] and not any(k in r for k in ("d1_misses", "refs", "instructions"))
    ok = cachegrind.cachegrind("driver", "ijk", 192, runner=_fake_valgrind(0, VALGRIND_SIGILL.replace(
        "signal 4", "x")), valgrind="valgrind")
    assert ok["status"] == "ok" and ok["d1_misses"] == 2064 and ok["instructions"] == 175763
    # the analysis decides nothing from it: H1's miss part and H1 itself cannot be told, and say why
    sim = {"build": "O3", "N": 192, "runs": {"ijk": ok, "ikj": r}}
    miss = analyse.miss_drop(sim)
    assert miss["outcome"] == "unknown" and miss["reason"] == "no_simulation"
    assert miss["numbers"]["signal"] == signal_name and miss["numbers"]["ratio"] is None


def test_without_valgrind_nothing_is_counted(monkeypatch):
    from kadai.nini1 import cachegrind

    monkeypatch.setattr(cachegrind.shutil, "which", lambda name: None)
    r = cachegrind.cachegrind("driver", "ijk", 8)
    assert r == {"kernel": "ijk", "N": 8, "available": False, "status": "missing"}


def test_access_order_needs_both_the_speed_up_and_fewer_misses(monkeypatch):
    from kadai.nini1 import analyse

    def sim(ijk, ikj):
        run = lambda m: {"status": "ok", "d1_misses": m}  # noqa: E731
        return {"build": "avx2", "N": 192, "runs": {"ijk": run(ijk), "ikj": run(ikj)}}

    monkeypatch.setattr(analyse, "faster", lambda *a, **k: {"outcome": "yes", "reason": "above", "numbers": {}})
    assert analyse.order_hypothesis(None, sim(8000, 1000))["verdict"]["outcome"] == "yes"
    h = analyse.order_hypothesis(None, sim(8000, 1000))
    assert h["misses"]["numbers"]["ratio"] == pytest.approx(8.0)
    assert analyse.order_hypothesis(None, sim(3000, 1000))["verdict"]["outcome"] == "no"  # misses barely drop
    failed = {"build": "O3", "N": 192, "runs": {"ijk": {"status": "ok", "d1_misses": 1},
                                                "ikj": {"status": "failed", "signal": "SIGILL"}}}
    v = analyse.order_hypothesis(None, failed)["verdict"]
    assert v["outcome"] == "unknown" and v["reason"] == "no_simulation"


def _trap_program(tmp_path):
    src = tmp_path / "trap.c"
    src.write_text("int main(void) { __builtin_trap(); }\n")  # ud2 on x86: SIGILL
    exe = tmp_path / "trap"
    import subprocess

    subprocess.run(["gcc", "-O0", "-o", str(exe), str(src)], check=True)
    return exe


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind (apt install valgrind)")
def test_a_program_killed_by_sigill_under_valgrind_gives_no_counts(tmp_path):
    from kadai.nini1 import cachegrind

    r = cachegrind.cachegrind(_trap_program(tmp_path), "ikj", 8)
    assert r["status"] == "failed" and r["signal"] == "SIGILL" and "d1_misses" not in r


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind (apt install valgrind)")
def test_the_driver_completes_under_cachegrind_with_the_flags_the_pipeline_uses(tmp_path):
    """Every kernel of the driver built as rule nini1_driver builds it runs to the end (exit 0)
    under valgrind, and the i-j-k order misses L1 far more often than i-k-j."""
    from kadai.nini1 import analyse, cachegrind

    exe = tmp_path / "driver"
    cachegrind.build_driver(plan.BUILDS[plan.CACHEGRIND_BUILD], exe)
    n = 128  # a power of two: B's column (stride 1 KiB) falls into a few L1 sets, so i-j-k misses on every
    #          element, whatever the L1 size and associativity cachegrind reads from this host
    sim = cachegrind.run(exe, plan.CACHEGRIND_KERNELS, n, tmp_path / "cg.json", plan.CACHEGRIND_BUILD,
                         plan.BUILDS[plan.CACHEGRIND_BUILD])
    for k, r in sim["runs"].items():
        assert r["status"] == "ok", (k, r)
        assert r["refs"] > 0 and r["instructions"] > n ** 3 / 8 and r["d1_misses"] > 0  # ≥ one 8-lane op per FMA
    assert sim["runs"]["ijk"]["instructions"] > sim["runs"]["ikj"]["instructions"]  # scalar vs vectorised
    assert sim["runs"]["ijk"]["d1_misses"] > 0.9 * n ** 3  # one miss per multiply-add
    assert analyse.miss_drop(sim)["outcome"] == "yes"
    assert json.loads((tmp_path / "cg.json").read_text())["build"] == plan.CACHEGRIND_BUILD


# ---------------------------------------------------------------- what the machine code computes with

OBJDUMP = """
0000000000001100 <micro_kernel>:
    1100:\tmovapd %xmm1,%xmm0
    1104:\tmulpd  %xmm2,%xmm0
    1108:\taddpd  %xmm0,%xmm3
    110c:\tret
0000000000001200 <mm_ikj>:
    1200:\tvfmadd231pd %ymm1,%ymm2,%ymm3
    1206:\tvaddpd %xmm1,%xmm2,%xmm3
0000000000001300 <mm_ijk>:
    1300:\tmulsd  %xmm1,%xmm0
    1304:\taddsd  %xmm0,%xmm2
0000000000001400 <mm_blocked>:
    1400:\tvfmadd213pd %zmm1,%zmm2,%zmm3
"""


def test_the_simd_width_is_read_from_the_packed_arithmetic():
    from kadai.nini1 import isa

    f = isa.parse(OBJDUMP)
    assert (f["micro_kernel"]["isa"], f["micro_kernel"]["bits"], f["micro_kernel"]["fma"]) == ("SSE2", 128, False)
    assert f["micro_kernel"]["mnemonics"] == ["addpd", "mulpd"]  # movapd is a move, not arithmetic
    assert (f["mm_ikj"]["isa"], f["mm_ikj"]["bits"], f["mm_ikj"]["fma"]) == ("AVX2+FMA", 256, True)
    assert (f["mm_ijk"]["isa"], f["mm_ijk"]["bits"]) == ("scalar", 0)
    assert (f["mm_blocked"]["isa"], f["mm_blocked"]["bits"]) == ("AVX-512", 512)


def test_a_simd_comparison_says_what_it_compares():
    from kadai.nini1 import analyse, isa

    f = isa.parse(OBJDUMP)
    builds = {"fast": {"vector": {"kernel": f["mm_ikj"]}}, "slow": {"vector": {"kernel": f["micro_kernel"]}},
              "scalar": {"vector": {"kernel": f["mm_ijk"]}}, "none": {"vector": {}}}
    assert analyse.simd_contrast(builds, ("fast", "kernel"), ("slow", "kernel"))["kind"] == "wider"
    assert analyse.simd_contrast(builds, ("slow", "kernel"), ("scalar", "kernel"))["kind"] == "vector_vs_scalar"
    assert analyse.simd_contrast(builds, ("fast", "kernel"), ("none", "kernel"))["kind"] == "unknown"
    assert analyse.simd_contrast(builds, ("slow", "kernel"), ("fast", "kernel"))["kind"] == "narrower"
    assert analyse.simd_contrast(builds, ("scalar", "kernel"), ("scalar", "kernel"))["kind"] == "same_width"
    # the build record's FMA counts say whether a scalar side still contracts a*b + c into one FMA
    assert analyse.simd_contrast(builds, ("slow", "kernel"), ("scalar", "kernel"))["slow"]["scalar_fma"] is False
    builds["scalar"]["fma"] = {"kernel": {"fma_vector": 0, "fma_scalar": 1, "instructions": 57}}
    assert analyse.simd_contrast(builds, ("slow", "kernel"), ("scalar", "kernel"))["slow"]["scalar_fma"] is True


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump (binutils)")
def test_each_build_computes_with_the_simd_width_its_flags_allow(built, tmp_path):
    """-mno-avx2 -mno-fma does not mean scalar: gcc still vectorises with 128-bit SSE2 on x86-64."""
    from kadai.nini1 import isa

    info, _ = built
    so = tmp_path / "libmm.so"
    build.compile_library(plan.BUILDS[info["variant"]], so)
    k = isa.vector_use(so)["kernel"]
    if info["simd"] == "portable":
        assert k["bits"] <= 128 and not k["fma"]
    elif info["simd"] == "avx2+fma":
        assert (k["bits"], k["fma"]) == (256, True)
    elif info["simd"] == "avx512f":
        assert (k["bits"], k["fma"]) == (512, True)


# ---------------------------------------------------------------- the size sweep against the alternated pairs

def _bench_table(c, numpy):
    import pandas as pd

    rows = [dict(implementation=name, N=2048, repeat=r, seconds=s, status="ok")
            for name, t in (("c_packed", c), ("numpy_1thread", numpy)) for r, s in enumerate(t)]
    return pd.DataFrame(rows)


def test_c_and_numpy_are_compared_only_within_the_same_rounds():
    """A machine that speeds up for the last rounds (as this one did): C and NumPy equal round by
    round; the sweep timed C in a fast phase and NumPy in a slow one, and draws C 1.3 × faster."""
    import pandas as pd
    from kadai.nini1 import analyse

    speed = np.array([1.0] * 7 + [1.3, 1.3])
    c = 0.36 / speed * np.array([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99])
    numpy = 0.36 / speed
    bench = analyse.bench_facts(_bench_table(c, numpy), 2048)
    assert bench["c_vs_numpy"]["numbers"]["ratio"] == pytest.approx(np.median(numpy / c))
    assert bench["drift"] == pytest.approx(max(c.max() / c.min(), numpy.max() / numpy.min()))
    flops = 2 * 2048 ** 3
    assert bench["numpy_max"] == pytest.approx(flops / numpy.min() / 1e9)
    ladder = pd.DataFrame({"implementation": ["c_packed"] * 3 + ["numpy_1thread"] * 3, "N": [512, 1024, 2048] * 2,
                           "time": [0.036 / 8 / 1.3, 0.036 / 1.3, 0.36 / 1.3, 0.036 / 8 * 0.5, 0.036, 0.36]})
    check = analyse.ladder_check(ladder, bench)
    assert check["outcome"] == "disagree" and check["ladder_ratio"] == pytest.approx(1.3)
    assert check["c_above_from"] == 1024  # at 512 the sweep draws NumPy faster
    agreeing = ladder.assign(time=[0.036 / 8, 0.036, 0.36] * 2)
    assert analyse.ladder_check(agreeing, bench)["outcome"] == "agree"
    assert analyse.ladder_check(ladder[ladder.N < 2048], bench)["outcome"] == "no_common_n"
    # outside the first experiment's interval but inside the repeat's: the experiments' own spread
    repeat = {"c_vs_numpy": {"numbers": {"lo": 1.2, "hi": 1.35}}}
    assert analyse.ladder_check(ladder, bench, repeat=repeat)["outcome"] == "agree_repeat"
    repeat = {"c_vs_numpy": {"numbers": {"lo": 0.9, "hi": 1.1}}}
    assert analyse.ladder_check(ladder, bench, repeat=repeat)["outcome"] == "disagree"
    # a ratio of two separately timed series is told only beyond the drift
    assert analyse.series_apart(0.02, 1.39) == "beyond" and analyse.series_apart(1.3, 1.39) == "within"


def _ladder_raw(blocked_gain):
    import pandas as pd

    rows = []
    for n in (64, 128, 256, 512, 1024, 2048):
        per_op = 1e-10 * (1.0 if n <= 256 else 1.8)  # i-k-j slows beyond the cache
        for r in range(6):
            t = 2 * n ** 3 * per_op * (1 + 0.01 * r)
            rows += [dict(implementation="c_ikj", N=n, repeat=r, seconds=t, status="ok"),
                     dict(implementation="c_blocked", N=n, repeat=r, seconds=t / blocked_gain, status="ok")]
    return pd.DataFrame(rows)


def test_blocking_must_beat_the_machines_drift_between_two_series():
    from kadai.nini1 import analyse

    caches = [{"level": 2, "bytes": 2 * 2 ** 20}]
    h = analyse.cache_hypothesis(_ladder_raw(1.25), caches, drift_=None)
    assert h["slows"]["outcome"] == "yes" and h["helps"]["outcome"] == "yes"
    assert h["helps"]["numbers"]["threshold"] == pytest.approx(1.1) and h["verdict"]["outcome"] == "yes"
    h = analyse.cache_hypothesis(_ladder_raw(1.25), caches, drift_=1.39)  # 1.25 × could be the moments alone
    assert h["helps"]["numbers"]["threshold"] == pytest.approx(1.39) and h["drift_sets_threshold"]
    # ... and so could blocking: a ratio below the drift but above SPEEDUP refutes nothing
    assert (h["helps"]["outcome"], h["helps"]["reason"]) == ("unknown", "within_drift")
    assert h["verdict"]["outcome"] == "unknown"
    h = analyse.cache_hypothesis(_ladder_raw(1.0), caches, drift_=1.39)  # no gain at all: refuted
    assert h["helps"]["outcome"] == "no" and h["verdict"]["outcome"] == "no"
    assert analyse.cache_hypothesis(_ladder_raw(1.8), caches, drift_=1.39)["verdict"]["outcome"] == "yes"


def test_the_verdict_table_lists_every_comparison_of_every_hypothesis():
    from kadai.nini1 import context

    def v(r, o="yes"):
        return {"outcome": o, "reason": "x", "numbers": {"ratio": r, "lo": r * 0.9, "hi": r * 1.1, "threshold": 1.1}}

    def width(slow, fast):
        return {"kind": "same_width" if slow == fast else ("vector_vs_scalar" if slow == 0 else "wider"),
                "slow": {"bits": slow}, "fast": {"bits": fast}}

    both = {"outcome": "no", "reason": "both", "numbers": {}}
    h = {"order": {"speed": v(4.0), "misses": v(8.0), "verdict": both, "basis": "O2", "basis_isa": width(0, 0)},
         "cache": {"n_small": 181, "n_big": 2048, "slows": v(1.8), "helps": v(1.6, "no"), "verdict": both},
         "simd": v(3.0), "opt": v(5.0), "threads": v(1.5, "unknown"), "gap": {"verdict": v(2.0)},
         "opt_levels": {"ikj": {"level": "O2", "same_isa": width(0, 0)}},
         "simd_isa": {"ikj": width(0, 512), "width": width(256, 512),
                      "packed": {"kind": "wider", "slow": {"bits": 128}, "fast": {"bits": 256}}}}
    t = context.verdict_table(h, 512, 2048, {"build": "avx2", "N": 192})
    names = [r[0] for r in t["rows"]]
    assert [n.split()[0] for n in names] == ["仮説1", "仮説1", "仮説2", "仮説2", "仮説3", "仮説4", "仮説5", "仮説6"]
    assert [r[2] for r in t["rows"]] == [8.0, 4.0, 1.8, 1.6, 3.0, 5.0, 1.5, 2.0]
    assert t["rows"][0][3] == "—" and t["rows"][1][3] == "3.60〜4.40"  # counted, not timed: no interval
    assert t["rows"][3][-1] == context.WORDS["no"] and "N = 2048" in t["rows"][3][1]
    assert "avx2" in t["rows"][0][1]
    # each timed row names the builds it compares and the SIMD width of both sides (machine code)
    assert "（O2、ともにスカラー、N = 512）" in t["rows"][1][1]
    assert "O3novec ÷ O3（スカラーと 512 ビット" in t["rows"][4][1]  # H3 rests on SIMD against scalar
    assert "-O0 ÷ -O2（ともにスカラー" in t["rows"][5][1]
    assert "avx2 ÷ O3（256 ビットと 512 ビット" in t["rows"][7][1]
    assert all(r[1].split("：")[0] in ("L1 のミス数", "時間", "i-k-j の演算あたりの時間") for r in t["rows"])
    assert context.width_words({"kind": "unknown"}) == "SIMD の幅は不明"
    assert context.width_words(width(256, 0) | {"kind": "narrower"}) == "256 ビットとスカラー"
    # the ladder table never holds a ratio to NumPy; NumPy's rows only where the sweep agrees with the pairs
    values = {"c_ijk": 1.0, "c_ikj": 10.0, "c_blocked": 10.0, "c_packed": 80.0, "c_packed_omp": 120.0,
              "numpy_1thread": 50.0, "numpy_all": 90.0}
    assert len(context.ladder_table(values, False)["rows"]) == 5
    assert len(context.ladder_table(values, True)["columns"]) == 3


def test_the_share_of_the_peak_is_taken_round_by_round():
    from kadai.nini1 import analyse

    ghz = [3.0, 1.5, 3.0, 1.5, 3.0, 1.5, 3.0, 1.5, 3.0]  # the clock halves every other round
    pk = {"widest": "avx512", "ghz_samples": ghz, "avx512": {"lanes": 8, "units": 2}}
    s = analyse.share_of_peak([0.6 * g * 32 for g in ghz], pk)
    assert s["ratio"] == pytest.approx(0.6) and s["lo"] == pytest.approx(0.6) and s["interval"]
    assert analyse.share_of_peak([1.0], {"widest": None}) is None


# ---------------------------------------------------------------- what each comparison compares (machine code)

def _fn(bits, fma=False):
    return {"bits": bits, "fma": fma, "isa": "scalar" if not bits else "AVX-512", "packed": 2 if bits else 0,
            "mnemonics": ["vfmadd213pd"] if bits else []}


def _builds(o3_ijk=128, o3_ikj=512, o2=0, o0=0, novec=0):
    """Builds whose functions compute as this machine's did: O3 vectorises i-k-j only, O2 and O0 not."""
    return {"O3": {"flags": ["-O3", "-march=native"], "simd": "avx512f",
                   "vector": {"mm_ijk": _fn(o3_ijk), "mm_ikj": _fn(o3_ikj, True), "kernel": _fn(512, True)}},
            "O2": {"flags": ["-O2"], "simd": "avx512f", "vector": {"mm_ijk": _fn(o2), "mm_ikj": _fn(o2)}},
            "O0": {"flags": ["-O0"], "simd": "avx512f", "vector": {"mm_ijk": _fn(o0), "mm_ikj": _fn(o0)}},
            "O3novec": {"flags": ["-O3", "-march=native", "-fno-tree-vectorize"], "simd": "avx512f",
                        "vector": {"mm_ikj": _fn(novec)}},
            "avx2": {"flags": ["-O3", "-march=native", "-mno-avx512f"], "simd": "avx2+fma",
                     "vector": {"mm_ijk": _fn(128), "mm_ikj": _fn(256, True), "kernel": _fn(256, True)}},
            "portable": {"flags": ["-O3", "-mno-avx2", "-mno-fma"], "simd": "portable",
                         "vector": {"kernel": _fn(128)}}}


def _rounds(**speeds):
    """Alternated rounds: label → seconds (times a small per-round wobble, shared by all labels)."""
    import pandas as pd

    wobble = 1 + 0.02 * np.sin(np.arange(9))
    return pd.DataFrame([dict(implementation=label, N=512, repeat=r, seconds=t * w, status="ok")
                         for label, t in speeds.items() for r, w in enumerate(wobble * (1 + 0.001 * np.arange(9)))])


def _sim():
    run = lambda m: {"status": "ok", "d1_misses": m, "refs": 10, "instructions": 100}  # noqa: E731
    return {"build": "avx2", "N": 192, "runs": {"ijk": run(8000), "ikj": run(1000)}}


def test_access_order_is_decided_where_both_orders_have_the_same_simd_width():
    """O3 vectorises i-k-j (512-bit FMA) and not i-j-k: its 10× holds SIMD too. The order is
    decided on O2, where both are scalar; the O3 ratio is kept beside it."""
    from kadai.nini1 import analyse

    order = _rounds(c_ijk=10.0, c_ikj=1.0)
    opt = _rounds(**{"c_ijk@O2": 4.0, "c_ikj@O2": 1.0, "c_ijk@O0": 8.0, "c_ikj@O0": 6.0,
                     "c_ijk@O3": 4.0, "c_ikj@O3": 0.4})
    h = analyse.order_hypothesis(order, _sim(), opt, _builds())
    assert h["basis"] == "O2" and h["o3_isa"]["kind"] == "wider" and h["basis_isa"]["kind"] == "same_width"
    assert h["speed"]["numbers"]["ratio"] == pytest.approx(4.0, rel=1e-3)
    assert h["speed_o3"]["numbers"]["ratio"] == pytest.approx(10.0, rel=1e-3)
    assert h["verdict"]["outcome"] == "yes"
    # O3 itself where both orders compute with one width there; O3 too where no level has one width
    assert analyse.order_hypothesis(order, _sim(), opt, _builds(o3_ijk=512))["basis"] == "O3"
    differ = _builds()
    for level in ("O2", "O0"):
        differ[level]["vector"]["mm_ikj"] = _fn(256, True)
    h = analyse.order_hypothesis(order, _sim(), opt, differ)
    assert h["basis"] == "O3" and h["speed"]["numbers"]["ratio"] == pytest.approx(10.0, rel=1e-3)
    # without the machine code nothing says the widths match: O3, and the report says it cannot tell
    h = analyse.order_hypothesis(order, _sim(), opt, {})
    assert h["basis"] == "O3" and h["o3_isa"]["kind"] == "unknown"


def test_optimisation_is_decided_against_the_highest_level_with_o0s_simd_width():
    from kadai.nini1 import analyse

    opt = _rounds(**{"c_ijk@O0": 8.0, "c_ikj@O0": 6.0, "c_ijk@O2": 4.0, "c_ikj@O2": 1.5,
                     "c_ijk@O3": 4.0, "c_ikj@O3": 0.5})
    c = analyse.opt_comparison(opt, _builds(), "mm_ikj")
    assert c["level"] == "O2" and c["verdict"]["numbers"]["ratio"] == pytest.approx(4.0, rel=1e-3)
    assert c["full"]["numbers"]["ratio"] == pytest.approx(12.0, rel=1e-3)  # -O0 → -O3 holds the SIMD effect
    assert c["full_isa"]["kind"] == "vector_vs_scalar" and c["same_isa"]["kind"] == "same_width"
    assert analyse.opt_comparison(opt, _builds(o3_ijk=0), "mm_ijk")["level"] == "O3"  # -O3 scalar too
    c = analyse.opt_comparison(opt, _builds(o2=128), "mm_ikj")  # no level computes as -O0 does
    assert c["level"] == "O3" and c["verdict"] == c["full"]
    h = analyse.hypotheses({"order": _rounds(c_ijk=10.0, c_ikj=1.0), "opt": opt, "simd": _simd_table(),
                            "ladder": _ladder_raw(1.8), "threads": _threads_table()}, [], _peak_stub(), "avx512f",
                           _sim(), 1.39, _builds())
    assert h["opt"] == h["opt_levels"]["ikj"]["verdict"] and h["opt_levels"]["ijk"]["level"] == "O2"


def _simd_table(novec=2.6, portable=3.3):
    return _rounds(**{"c_ikj@O3": 1.0, "c_ikj@O3novec": novec, "c_packed@avx2": 1.0, "c_packed@portable": portable,
                      "c_packed@O3": 0.5, "c_ikj@avx2": 1.1, "c_ikj@portable": 1.6, "c_packed@O3novec": 0.5})


def _threads_table():
    return _rounds(**{"c_packed_omp@1": 2.0, "c_packed_omp@2": 1.0, "numpy@1": 2.0, "numpy@2": 1.0})


def _peak_stub():
    s = [1.0] * 9
    return {"peak": {"avx2": {"supported": True, "gflops_samples": s},
                     "avx512": {"gflops_samples": s, "peak_gflops": 1}, "widest": None},
            "micro_kernel": {"gflops_samples": s, "gflops": 1.0, "kc": 256},
            "c_packed": {"gflops_samples": s, "n": 2048}, "numpy": {"gflops_samples": s, "n": 2048}}


def test_simd_is_decided_on_simd_against_scalar_and_the_packed_builds_are_a_side_result():
    from kadai.nini1 import analyse

    builds = _builds()
    v = analyse.simd_hypothesis(_simd_table(), builds)
    assert v["outcome"] == "yes" and v["numbers"]["ratio"] == pytest.approx(2.6, rel=1e-3)
    # O3novec's i-k-j still vectorised (e.g. by a compiler that ignores the flag): not SIMD against scalar
    v = analyse.simd_hypothesis(_simd_table(), _builds(novec=256))
    assert v["outcome"] == "unknown" and v["reason"] == "not_vector_vs_scalar" and v["numbers"]["measured"] == "yes"
    assert analyse.simd_hypothesis(_simd_table(), {})["reason"] == "isa_unknown"
    side = analyse.simd_packed(_simd_table(), builds)
    assert side["verdict"]["numbers"]["ratio"] == pytest.approx(3.3, rel=1e-3) and side["isa"]["kind"] == "wider"
    d = side["differences"]  # what besides the width differs: flags and the micro-kernel's code path
    assert d["only_fast"] == ["-march=native", "-mno-avx512f"] and d["only_slow"] == ["-mno-avx2", "-mno-fma"]
    assert (d["fast_path"], d["slow_path"]) == ("avx2+fma", "portable")
    assert analyse.build_differences(builds, "O3", "O3novec") == {
        "only_fast": [], "only_slow": ["-fno-tree-vectorize"], "fast_path": "avx512f", "slow_path": "avx512f"}


def test_cachegrinds_instruction_counts_say_whether_vectorisation_is_in_them():
    from kadai.nini1 import analyse

    sim = {"build": "avx2", "N": 10, "runs": {"ijk": {"status": "ok", "instructions": 5000},
                                                "ikj": {"status": "ok", "instructions": 2000}}}
    ic = analyse.instruction_counts(sim, _builds())
    assert ic["ratio"] == pytest.approx(2.5) and ic["ijk_per_madd"] == pytest.approx(5.0)
    assert ic["vectorised"] and ic["isa"]["kind"] == "wider"  # avx2: i-j-k 128-bit, i-k-j 256-bit FMA
    same = _builds()
    same["avx2"]["vector"]["mm_ijk"] = _fn(256)
    assert not analyse.instruction_counts(sim, same)["vectorised"]
    assert analyse.instruction_counts({**sim, "runs": {"ijk": {"status": "failed"}}}, _builds()) is None


def test_c_against_numpy_says_which_is_faster_and_by_how_much():
    """The threshold is equal speed (1): C slower by 1–5 % where the interval lies below it."""
    from kadai.nini1 import analyse

    numpy = np.full(9, 0.30)
    for c, direction in ((numpy / np.linspace(0.95, 0.99, 9), "slower"), (numpy / np.linspace(1.02, 1.06, 9), "faster"),
                         (numpy / np.linspace(0.97, 1.03, 9), None)):
        b = analyse.bench_facts(_bench_table(c, numpy), 2048)
        assert b["c_vs_numpy"]["numbers"]["threshold"] == analyse.C_VS_NUMPY == 1.0
        d = b["difference"]
        assert d["direction"] == direction
        n = b["c_vs_numpy"]["numbers"]
        if direction == "slower":
            assert d["lo_pct"] == pytest.approx((1 - n["hi"]) * 100)
            assert d["hi_pct"] == pytest.approx((1 - n["lo"]) * 100)
            assert 0 < d["lo_pct"] < d["hi_pct"] < 6
        elif direction == "faster":
            assert 1 < d["lo_pct"] < d["hi_pct"] < 7
        else:
            assert d["lo_pct"] is None and b["c_vs_numpy"]["outcome"] == "unknown"


# ---------------------------------------------------------------- the size sweep as it ran

def test_the_sweep_runs_a_size_back_to_back_and_is_counted_so():
    import pandas as pd
    from kadai.nini1 import analyse

    rows = [(64, "warmup", None), (64, "ok", None), (128, "ok", None), (128, "stop", "n_max"),
            (128, "ok", "round 1"), (128, "ok", "round 1"), (64, "warmup", "untimed warm-up"),
            (64, "ok", "round 1"), (64, "ok", "round 1"), (64, "ok", "round 1"),
            (64, "ok", "round 2"), (64, "outlier", "round 2"), (128, "ok", "round 2")]
    t = pd.DataFrame([dict(implementation="c_ikj", N=n, status=s, note=note, repeat=0, seconds=1.0)
                      for n, s, note in rows])
    # 128: the scouting run and round 1 follow each other (the round starts at the largest size)
    assert analyse.back_to_back(t, "c_ikj", 128) == {"runs": 4, "stretches": 2, "most": 3}
    # 64: round 1 ends and round 2 starts at the smallest size: one stretch of 5 timed runs
    assert analyse.back_to_back(t, "c_ikj", 64) == {"runs": 6, "stretches": 2, "most": 5}
    assert analyse.sweep_facts(t) == {"rounds": 2, "runs_min": 4, "runs_max": 6, "most_in_a_row": 5}
    # both sizes ran in rounds 1 and 2 (the scouting runs carry no round): one ratio per round,
    # of the medians of time per operation (128 does 8 × the operations of 64)
    t.loc[(t.N == 128) & (t.note == "round 2"), "seconds"] = 16.0
    assert analyse.round_ratios(t, "c_ikj", 64, 128) == [pytest.approx(1 / 8), pytest.approx(2.0)]
    assert analyse.round_ratios(t[~((t.N == 128) & (t.note == "round 2"))], "c_ikj", 64, 128) == \
        [pytest.approx(1 / 8)]


def test_the_cache_ratio_has_an_interval_around_its_estimate():
    """The sweep's runs are not paired: a ratio of medians with a bootstrap interval that holds
    it inside (a bootstrap of minima cannot go below the ratio of the minima: no interval)."""
    from kadai.nini1 import analyse

    rng = np.random.default_rng(1)
    import pandas as pd

    rows = []
    for n, per_op, k in ((64, 1e-10, 30), (128, 1e-10, 30), (256, 1e-10, 30), (2048, 1.8e-10, 6)):
        for r in range(k):
            t = 2 * n ** 3 * per_op * (1 + 0.05 * rng.random())
            rows += [dict(implementation="c_ikj", N=n, repeat=r, seconds=t, status="ok", note="round 1"),
                     dict(implementation="c_blocked", N=n, repeat=r, seconds=t / 1.8, status="ok", note="round 1")]
    h = analyse.cache_hypothesis(pd.DataFrame(rows), [{"level": 2, "bytes": 2 * 2 ** 20}], drift_=1.39)
    for part in ("slows", "helps"):
        num = h[part]["numbers"]
        assert num["estimator"] == "median" and num["lo"] < num["ratio"] < num["hi"], part
    assert h["runs"]["small"]["runs"] == 30 and h["runs"]["big"]["runs"] == 6
    assert h["verdict"]["outcome"] == "yes"


# ---------------------------------------------------------------- repeated measurements, series apart

def test_the_same_kernel_timed_in_several_experiments_reports_its_spread():
    from kadai.nini1 import analyse, context

    tables = {"ladder": _rounds(c_ikj=1.0, c_ijk=10.0, c_packed=0.1), "order": _rounds(c_ikj=1.1, c_ijk=10.0),
              "simd": _rounds(**{"c_ikj@O3": 0.9, "c_packed@O3": 0.1}), "opt": _rounds(**{"c_ikj@O3": 1.05})}
    r = analyse.repeated_kernels(tables, 512, drift_=1.39)
    assert set(r) == {"c_ijk", "c_ikj", "c_packed"}
    assert r["c_ikj"]["spread"] == pytest.approx(1.1 / 0.9, rel=1e-3) and r["c_ikj"]["within_drift"]
    assert list(r["c_ikj"]["values"]) == ["ladder", "order", "simd", "opt"]
    assert not analyse.repeated_kernels(tables, 512, drift_=1.1)["c_ikj"]["within_drift"]
    rows = context.repeated_rows(r)
    assert rows[1]["name"] == "O3 の i-k-j" and rows[1]["where"] == "表2・仮説1・仮説3・仮説4"
    assert rows[2]["name"] == "O3 のパック版" and rows[2]["where"] == "表2・仮説6"


def test_neighbouring_ladder_steps_within_the_drift_are_named():
    from kadai.nini1 import analyse

    values = {"c_ijk": 0.8, "c_ikj": 8.9, "c_blocked": 8.6, "c_packed": 68.0, "c_packed_omp": 112.0}
    assert analyse.ladder_within_drift(values, 1.39) == [["c_ikj", "c_blocked"]]
    assert analyse.ladder_within_drift(values, None) == []


def test_the_log_axis_of_gflops_is_labelled_between_its_decades():
    from kadai.nini1 import figures

    assert figures.readable_ticks(0.3, 90) == [0.5, 1, 2, 5, 10, 20, 50]
    assert [figures.tick_label(t) for t in figures.readable_ticks(0.3, 90)] == ["0.5", "1", "2", "5", "10", "20", "50"]
    assert figures.readable_ticks(0, 10) == []


def test_comparisons_at_two_sizes_differ_only_where_their_intervals_are_apart():
    from kadai.nini1.analyse import sizes_differ

    def bench(lo, hi):
        return {"c_vs_numpy": {"numbers": {"lo": lo, "hi": hi}}}

    assert sizes_differ(bench(0.95, 0.99), bench(1.28, 1.44)) == "apart_no_repeat"  # nothing measured twice
    assert sizes_differ(bench(0.95, 1.30), bench(1.28, 1.44)) == "overlap"
    assert sizes_differ(bench(0.95, 0.99), None) is None
    assert sizes_differ(bench(None, None), bench(1.28, 1.44)) is None

    def repeat(lo, hi, gap):
        return {"gap": gap, **bench(lo, hi)}
    # 2048 measured twice (0.874–0.949, 0.964–0.983: 0.015 apart); 512 lies 0.081 and 0.047 from
    # them, more than twice as far as they lie from each other
    assert sizes_differ(bench(0.874, 0.949), bench(1.03, 1.06), repeat(0.964, 0.983, 0.015)) == "differ"
    # … but 0.059 and 0.025 is less than twice 0.015: no more than two experiments may drift apart
    assert sizes_differ(bench(0.874, 0.949), bench(1.008, 1.039), repeat(0.964, 0.983, 0.015)) == "within_repeat"
    # the fashion build of 2026-11-29: 0.029 against 0.0278, a knife's edge, is no difference
    assert sizes_differ(bench(0.888, 0.989), bench(1.0999, 1.35), repeat(1.0173, 1.0710, 0.0278)) == "within_repeat"
    # 512 apart from the first but only 0.005 from the repeat: no more than the experiments' own spread
    assert sizes_differ(bench(0.874, 0.949), bench(0.988, 1.039), repeat(0.964, 0.983, 0.015)) == "within_repeat"
    assert sizes_differ(bench(0.87, 0.95), bench(0.96, 1.04), repeat(0.97, 0.99, 0.02)) == "within_repeat"


def test_the_bench_comparison_is_repeated_in_the_peak_rounds():
    """peak.json times C's product and NumPy at the bench size round by round: a second paired
    ratio whose interval is compared with the bench's (the real build: 0.874–0.949 against
    0.964–0.983, apart by 0.015)."""
    from kadai.nini1.analyse import bench_repeat

    rng = np.random.default_rng(5)
    numpy_gflops = 70 + rng.normal(0, 2, 9)
    c_gflops = numpy_gflops * (0.975 + rng.normal(0, 0.004, 9))
    bench = {"N": 2048, "c_vs_numpy": {"outcome": "no", "numbers": {"lo": 0.874, "hi": 0.949}}}
    peak = {"c_packed": {"n": 2048, "gflops_samples": list(c_gflops)},
            "numpy": {"n": 2048, "gflops_samples": list(numpy_gflops)}}
    r = bench_repeat(peak, bench)
    ratios = np.sort(c_gflops / numpy_gflops)
    assert r["c_vs_numpy"]["numbers"]["ratio"] == pytest.approx(np.median(ratios))
    assert r["gap"] == pytest.approx(r["c_vs_numpy"]["numbers"]["lo"] - 0.949)
    assert r["gap"] > 0 and r["same_outcome"] == (r["c_vs_numpy"]["outcome"] == "no")
    assert bench_repeat({**peak, "c_packed": {**peak["c_packed"], "n": 1024}}, bench) is None


def test_the_machine_drift_is_the_largest_over_every_alternated_experiment():
    import pandas as pd
    from kadai.nini1.analyse import machine_drift

    def table(times):
        return pd.DataFrame({"implementation": "x", "status": "ok", "seconds": times})

    out = machine_drift({"bench": table([1.0, 1.07]), "simd": table([2.0, 3.48]), "ladder": table([1.0, 9.0])})
    assert out == {"value": pytest.approx(1.74), "experiment": "simd"}  # the sweep is not alternated
    assert machine_drift({"ladder": table([1.0, 2.0])}) == {"value": None, "experiment": None}


def test_an_alternated_contender_times_the_product_alone():
    from kadai.nini1.measure import contender

    a, b = np.eye(3), np.arange(9.0).reshape(3, 3)
    ticks = iter([10.0, 10.5])
    out = contender(None, None, 1, a, b, clock=lambda: next(ticks))()
    assert out["seconds"] == 0.5 and np.array_equal(out["product"], b)


def test_the_ladder_marks_a_step_whose_minimum_was_not_reproduced():
    import pandas as pd
    from kadai.nini1.analyse import unconfirmed_facts
    from kadai.nini1.context import ladder_table
    from kadai.nini1.labels import LADDER_STEPS

    rows = [{"implementation": impl, "op": "matmul", "N": n, "dtype": "float64", "device": "cpu", "repeat": r,
             "seconds": t, "status": "ok", "note": "", "faults": 0.0, "busy": 0.0, "cores": 1.0}
            for impl, n, times in (("c_ijk", 512, [1.0, 1.2, 1.25]), ("c_ikj", 512, [0.10, 0.101]),
                                   ("c_ikj", 256, [0.02, 0.03, 0.04]))
            for r, t in enumerate(times)]
    facts = unconfirmed_facts(pd.DataFrame(rows), 512, 0.05)
    # c_ijk's fastest run (1.0) was not seen again: its estimate is the pair 1.2/1.25; c_ikj at 256 has no pair
    assert facts["unconfirmed"] == 2 and facts["lift_max"] == pytest.approx(1.2)
    assert facts["unconfirmed_at_n"] == ["c_ijk"]
    values = {k: 1.0 + i for i, k in enumerate(LADDER_STEPS + ["numpy_1thread", "numpy_all"])}
    table = ladder_table(values, False, facts["unconfirmed_at_n"])
    assert table["marked"] == 1 and table["rows"][0][1] == {"value": 1.0, "mark": "*"}
    assert all(not isinstance(row[1], dict) for row in table["rows"][1:])


def test_a_dip_is_told_against_both_neighbours_and_at_the_edge_against_the_left_one_only():
    import pandas as pd
    from kadai.nini1 import analyse

    def sweep(gflops_by_n):
        return pd.DataFrame([{"implementation": "c_ijk", "N": n, "time": 2 * n ** 3 / (g * 1e9)}
                             for n, g in gflops_by_n.items()])
    mid = analyse.dip_at(sweep({256: 2.0, 362: 2.5, 431: 2.4, 512: 0.8, 609: 2.3}), "c_ijk", 512, 1.5)
    assert mid["dip"] and not mid["edge"] and mid["power_of_two"] and mid["factor"] == pytest.approx(2.3 / 0.8)
    assert not analyse.dip_at(sweep({431: 2.4, 512: 2.0, 609: 2.3}), "c_ijk", 512, 1.5)["dip"]
    edge = analyse.dip_at(sweep({362: 2.5, 431: 2.4, 512: 0.8}), "c_ijk", 512, 1.5)  # the sweep stopped at 512
    assert edge["dip"] and edge["edge"] and edge["right"] is None and edge["factor"] == pytest.approx(3.0)
    assert not analyse.dip_at(sweep({431: 2.4, 512: 0.8}), "c_ijk", 512, None)["dip"]  # no drift: nothing told
    assert analyse.dip_at(sweep({512: 0.8, 609: 2.3}), "c_ijk", 512, 1.5) is None  # no left neighbour


def test_the_ladders_n_is_set_against_its_two_neighbours_timed_alternately():
    import pandas as pd
    from kadai import ops
    from kadai.nini1.analyse import alias_test

    def table(per_op: dict, rounds: int = 7):
        rng = np.random.default_rng(0)
        return pd.DataFrame([{"implementation": f"c_ijk@{m}", "N": m, "repeat": r, "status": "ok",
                              "seconds": q * ops.matmul_flops(m) * (1 + 0.01 * rng.standard_normal())}
                             for r in range(rounds) for m, q in per_op.items()])
    slow = alias_test(table({511: 1.0e-9, 512: 3.0e-9, 513: 1.1e-9}), 512)
    assert slow["outcome"] == "yes" and slow["power_of_two"] and slow["rounds"] == 7
    assert (slow["left"]["N"], slow["right"]["N"]) == (511, 513)
    assert slow["left"]["numbers"]["ratio"] == pytest.approx(3.0, rel=0.05)
    assert slow["right"]["numbers"]["ratio"] == pytest.approx(3.0 / 1.1, rel=0.05)
    # slower than one neighbour only: not the power of two alone
    one = alias_test(table({511: 1.0e-9, 512: 3.0e-9, 513: 2.9e-9}), 512)
    assert one["outcome"] == "no" and one["left"]["outcome"] == "yes" and one["right"]["outcome"] == "no"
    assert not alias_test(table({499: 1e-9, 500: 1e-9, 501: 1e-9}), 500)["power_of_two"]
    assert alias_test(table({511: 1e-9, 512: 3e-9, 513: 1e-9}, rounds=3), 512)["outcome"] == "unknown"  # too few
    assert alias_test(None, 512) is None
