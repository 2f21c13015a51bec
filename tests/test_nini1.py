"""任意課題1: every C kernel against NumPy on awkward sizes, both micro-kernel builds."""
import json
import shutil

import numpy as np
import pytest
from kadai import render
from kadai.nini1 import build, measure, plan

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.fixture(scope="module", params=["O3", "portable"])
def built(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    info = build.build(request.param, plan.BUILDS[request.param], d / "libmm.so", d / "info.json")
    return info, measure.load(d / "libmm.so")


@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 8, 9, 13, 25, 47, 130])  # not multiples of 6, 8, blocks
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
    json.dumps(info)


def test_fma_instructions_are_found_only_in_the_avx2_build(built):
    info, _ = built
    counts = {k: v["fma_vector"] for k, v in info["fma"].items()}
    if info["variant"] == "portable" or not shutil.which("objdump"):
        assert sum(counts.values()) == 0
    elif info["simd"] == "avx2+fma":
        assert sum(counts.values()) >= 12  # 6×2 accumulators updated by FMA per k step


def test_openmp_threads_give_the_same_result(built):
    _, lib = built
    rng = np.random.default_rng(0)
    n = 200
    a, b = rng.random((n, n)), rng.random((n, n))
    for t in (1, 2, 3):
        lib.mm_set_threads(t)
        c = np.empty_like(a)
        assert lib.mm_packed_omp(n, a, b, c) == 0
        np.testing.assert_allclose(c, a @ b, rtol=1e-12)


def test_c_listing_extraction():
    code = render.extract_source(build.SOURCE, "mm_ikj")
    assert code.startswith("void mm_ikj(") and code.rstrip().endswith("}")
    with pytest.raises(KeyError):
        render.extract_source(build.SOURCE, "mm_nothing")
