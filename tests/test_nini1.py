"""任意課題1: every C kernel against NumPy on awkward sizes, every micro-kernel build."""
import json
import shutil

import numpy as np
import pytest
from kadai import render
from kadai.nini1 import build, measure, plan

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


def test_the_gpu_kernels_compile_with_nvrtc_without_a_gpu():
    pytest.importorskip("cuda.bindings.nvrtc")
    from kadai.nini1 import gpu

    for arch in ("compute_80", "compute_90"):
        ptx = gpu.compile_ptx(arch)
        assert all(f".entry {k}" in ptx for k in gpu.KERNELS), arch


def test_a_kernel_that_does_not_compile_names_nvrtcs_error(tmp_path, monkeypatch):
    pytest.importorskip("cuda.bindings.nvrtc")
    from kadai.nini1 import gpu

    bad = tmp_path / "bad.cu"
    bad.write_text('extern "C" __global__ void mm_naive(float* a) { a[0] = undefined_name; }\n')
    monkeypatch.setattr(gpu, "SOURCE", bad)
    with pytest.raises(RuntimeError, match="undefined_name"):
        gpu.compile_ptx()


@pytest.mark.parametrize("n", [1, 99, 128, 1000])
def test_every_kernel_launch_covers_the_matrix(n):
    from kadai.nini1 import gpu

    tiles = {"mm_naive": (1, 1), "mm_shared": (1, 1), "mm_regtile": (8, 8)}  # elements per thread
    for k in gpu.KERNELS:
        grid, block = gpu.launch(k, n)
        per_block = (block[0] * tiles[k][0], block[1] * tiles[k][1]) if len(block) == 2 else (128, 128)
        assert grid[0] * per_block[0] >= n and grid[1] * per_block[1] >= n


def test_without_a_gpu_the_gpu_part_says_why(tmp_path):
    from kadai.backends.availability import cupy_status
    from kadai.nini1 import gpu

    if cupy_status().ok:
        pytest.skip("this machine has a GPU")
    result = gpu.measure(64, 2, 9, tmp_path / "gpu.json")
    assert result == {"available": False, "reason": cupy_status().reason}
    assert json.loads((tmp_path / "gpu.json").read_text(encoding="utf-8"))["available"] is False


def test_gpu_steps_are_decided_on_paired_rounds():
    from kadai.nini1 import analyse

    rng = np.random.default_rng(0)
    noise = lambda: 1 + 0.01 * rng.random(8)  # noqa: E731
    samples = {"cublas": 1.0 * noise(), "mm_naive": 10.0 * noise(), "mm_shared": 4.0 * noise(),
               "mm_regtile": 1.05 * noise()}
    gpu = {"available": True, "device": "fake", "N": 1024, "rounds": 8, "samples": samples,
           "correct": {k: {"relative_error": 1e-6, "ok": True} for k in samples}}
    facts = analyse.gpu_facts(gpu)
    assert [facts["steps"][k]["outcome"] for k in ("shared", "regtile", "goal")] == ["yes", "yes", "yes"]
    assert facts["gflops"]["cublas"] == pytest.approx(2 * 1024**3 / np.median(samples["cublas"]) / 1e9)
    slow = {**samples, "mm_regtile": 3.0 * noise()}
    facts = analyse.gpu_facts({**gpu, "samples": slow})
    assert facts["steps"]["regtile"]["outcome"] == "no" and facts["steps"]["goal"]["outcome"] == "no"
    wrong = {k: v for k, v in samples.items() if k != "mm_shared"}  # failed its check: not timed
    facts = analyse.gpu_facts({**gpu, "samples": wrong})
    assert facts["steps"]["shared"]["reason"] == "wrong_result"
    assert analyse.gpu_facts({"available": False, "reason": "x"}) == {"available": False, "reason": "x"}
