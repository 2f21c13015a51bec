"""課題2 kernels against independent references, the registry, checks and OOM handling."""
from pathlib import Path

import numpy as np
import pytest
import torch
from kadai import checks, measure, ops, raw
from kadai.backends import python, torch_ops, xp
from kadai.backends.availability import availability
from kadai.backends.registry import IMPLEMENTATIONS
from kadai.kadai2 import analyse
from kadai.kadai2 import measure as kmeasure
from scipy.signal import correlate2d

SWEEP = dict(n_min=4, n_max=32, points_per_octave=1, per_run_budget_s=1.0,
                      total_budget_s=10.0, min_repeats=1, min_time_s=0.0, max_repeats=2,
                      warmup=0, warmup_max_s=0.1, prior_exponent=3.0, seed=0)
CFG = {"dtype": "float32", "padding": "valid", "gpu_memory_cap_gb": None, "host_memory_fraction": 0.5,
       "sweep": SWEEP}


def series(op, impl, cfg=CFG):
    return kmeasure.make_series(op, impl, IMPLEMENTATIONS[impl], cfg)


@pytest.mark.parametrize("shape", [(3, 3), (4, 7), (17, 17), (32, 5)])
def test_conv_is_cross_correlation_valid(shape):
    rng = np.random.default_rng(1)
    x, k = rng.standard_normal(shape), rng.standard_normal((3, 3))
    out = xp.conv2d(np, x, k, "valid")
    np.testing.assert_allclose(out, correlate2d(x, k, mode="valid"), rtol=1e-12, atol=1e-12)
    # no kernel flip: a flipped kernel would give the true convolution, which differs
    assert not np.allclose(out, correlate2d(x, k[::-1, ::-1], mode="valid"))


def test_conv_same_keeps_size():
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal((9, 11)), rng.standard_normal((3, 3))
    out = xp.conv2d(np, x, k, "same")
    assert out.shape == x.shape
    np.testing.assert_allclose(out, correlate2d(x, k, mode="same"), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_python_and_torch_conv_agree_with_array_module(padding):
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal((13, 10)), rng.standard_normal((3, 3))
    ref = xp.conv2d(np, x, k, padding)
    np.testing.assert_allclose(python.conv2d(x.tolist(), k.tolist(), padding), ref,
                               rtol=1e-12, atol=1e-12)
    t = torch_ops.conv2d(torch.from_numpy(x), torch.from_numpy(k), padding).numpy()
    np.testing.assert_allclose(t, ref, rtol=1e-10, atol=1e-10)


def test_flop_counts():
    assert ops.flops("matmul", 10) == 2000
    assert ops.flops("conv", 10, "valid") == 2 * 9 * 64
    assert ops.flops("conv", 10, "same") == 2 * 9 * 100


@pytest.mark.parametrize("op", ["matmul", "conv"])
@pytest.mark.parametrize("impl", ["python_naive", "numpy", "torch_cpu"])
def test_every_cpu_implementation_passes_its_check_and_wrong_results_fail(op, impl):
    s = series(op, impl)
    rng = np.random.default_rng(5)
    for n in (5, 16, 23):
        inputs = s.make_inputs(n, rng)
        ref = s.reference(*inputs)
        out = s.kernel(*inputs)
        assert s.check(out, ref), (op, impl, n)
        bad = checks.to_host(out).copy()
        bad[n // 3, n // 4] += 10 * (np.abs(bad).max() + 1)
        assert not s.check(bad, ref), "a corrupted element must fail the check"
        assert not s.check(checks.to_host(out).T.copy(), ref), "a transposed result must fail"


def test_registry_reports_gpu_series_unavailable_with_reason():
    reg = {impl: availability(entry) for impl, entry in IMPLEMENTATIONS.items()}
    assert reg["numpy"].ok and reg["python_naive"].ok and reg["torch_cpu"].ok
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    for impl in ("cupy", "cupy_transfer", "torch_cuda", "torch_cuda_transfer"):
        assert not reg[impl].ok and reg[impl].reason


def test_skipped_series_writes_its_reason(tmp_path):
    if availability(IMPLEMENTATIONS["torch_cuda"]).ok:
        pytest.skip("this machine has a GPU")
    kmeasure.run("matmul", "torch_cuda", IMPLEMENTATIONS["torch_cuda"], CFG, tmp_path / "m.csv")
    stop = raw.stop_reason(raw.load_raw([tmp_path / "m.csv"]))
    assert stop["status"] == "skipped" and "cuda" in stop["note"].lower()
    assert (tmp_path / "m.csv").exists()


def test_a_gpu_that_fails_while_its_series_is_prepared_is_a_skip_with_the_reason(tmp_path, monkeypatch):
    from kadai.backends.availability import Availability

    def fails(*a):
        raise RuntimeError("cudaErrorNoKernelImageForDevice: no kernel image is available for execution")

    monkeypatch.setattr(kmeasure, "availability", lambda entry: Availability(True))
    monkeypatch.setattr(kmeasure, "make_series", fails)
    kmeasure.run("matmul", "torch_cuda", IMPLEMENTATIONS["torch_cuda"], CFG, tmp_path / "m.csv")
    stop = raw.stop_reason(raw.load_raw([tmp_path / "m.csv"]))
    assert stop["status"] == "skipped" and "GPU の準備に失敗した" in stop["note"] and "NoKernelImage" in stop["note"]
    # on the CPU the same failure is a bug, and stops the job
    with pytest.raises(RuntimeError):
        kmeasure.run("matmul", "numpy", IMPLEMENTATIONS["numpy"], CFG, tmp_path / "n.csv")


def test_memory_cap_records_oom_and_stops_the_series():
    s = series("matmul", "numpy")
    s.memory_cap_bytes = s.bytes_needed(16) + 1  # N = 16 fits, N = 32 does not
    table = measure.run_series(s, measure.SweepConfig.from_config(SWEEP), progress=lambda m: None)
    stop = raw.stop_reason(table)
    assert stop["status"] == "oom" and stop["N"] == 32
    assert {4, 8, 16} <= set(raw.summarise(table, 0.05).N) and max(raw.summarise(table, 0.05).N) == 16


def test_gpu_out_of_memory_error_is_caught(tmp_path):
    def kernel(a, b):
        if a.shape[0] >= 16:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return a @ b

    freed = []
    s = series("matmul", "numpy")
    s.kernel, s.oom_errors, s.cleanup = kernel, (torch.cuda.OutOfMemoryError,), lambda: freed.append(1)
    table = measure.run_series(s, measure.SweepConfig.from_config(SWEEP), progress=lambda m: None)
    stop = raw.stop_reason(table)
    assert stop["status"] == "oom" and stop["N"] == 16 and "out of memory" in stop["note"]
    assert freed == [1]


def test_configured_gpu_memory_cap():
    assert kmeasure.gpu_memory_cap(1.5, "cupy") == 1.5 * 2**30


def test_crossover():
    import pandas as pd
    rows = [("numpy", n, t) for n, t in [(8, 1.0), (16, 2.0), (32, 4.0), (64, 8.0)]]
    rows += [("torch_cpu", n, t) for n, t in [(8, 3.0), (16, 1.0), (32, 5.0), (64, 2.0)]]
    s = pd.DataFrame([{"op": "matmul", "implementation": i, "N": n, "time": t} for i, n, t in rows])
    assert analyse.crossover(s, "matmul", "torch_cpu", least=1) == 64
    # "every size from N on" needs 3 sizes there: torch is faster at 64 alone, which says nothing
    assert analyse.crossover(s, "matmul", "torch_cpu") is None
    rows += [("numpy", 128, 16.0), ("torch_cpu", 128, 4.0), ("numpy", 256, 32.0), ("torch_cpu", 256, 31.0)]
    s = pd.DataFrame([{"op": "matmul", "implementation": i, "N": n, "time": t} for i, n, t in rows])
    assert analyse.crossover(s, "matmul", "torch_cpu") == 64
    # … faster by more than the margin: 31 against 32 at N = 256 is within 5 %
    assert analyse.crossover(s, "matmul", "torch_cpu", margin=0.05) is None
    # only the given sizes count (those confirmed in both series)
    assert analyse.crossover(s, "matmul", "torch_cpu", sizes={8, 32, 64, 128}) is None
    assert analyse.crossover(s, "matmul", "torch_cpu", sizes={8, 16, 64, 128}) == 16
    # ... and the sizes left out are named where the figure shows torch no faster (32, and 256 within 5 %)
    assert analyse.not_faster_at(s, "matmul", "torch_cpu", 16, margin=0.05) == [32, 256]
    assert analyse.not_faster_at(s, "matmul", "torch_cpu", 64) == []


def test_a_multi_threaded_series_squeezed_by_a_busy_machine_decides_nothing():
    import pandas as pd
    from kadai import verdicts

    sysinfo = {"usable_cores": 2}
    assert analyse.threads_of("matmul", "numpy", sysinfo) == 2 and analyse.threads_of("conv", "numpy", sysinfo) == 1
    assert analyse.threads_of("conv", "torch_cpu", sysinfo) == 2 and analyse.threads_of("matmul", "python_naive",
                                                                                          sysinfo) == 1
    # under load two threads got one core between them (measured cores 1.0): still a two-core timing
    rows = pd.DataFrame({"busy": [1.0, 1.0], "cores": [1.0, 0.9]})
    assert raw.load_of(rows) == (1.0, 1.0) and raw.load_of(rows, threads=2) == (1.0, 2.0)
    yes = verdicts.Verdict(verdicts.YES, "above", {})
    assert verdicts.guard(yes, *raw.load_of(rows))["outcome"] == "yes"
    assert verdicts.guard(yes, *raw.load_of(rows, threads=2))["reason"] == "busy"
    quiet = pd.DataFrame({"busy": [0.05], "cores": [1.9]})
    assert verdicts.guard(yes, *raw.load_of(quiet, threads=2))["outcome"] == "yes"


@pytest.mark.parametrize("moved,outcome", [
    ([3.1, 3.0, 3.2, 3.05], "yes"),   # the transfers take twice the computing time
    ([1.3, 1.25, 1.4, 1.35], "no"),   # a quarter of it
    ([1.9, 2.1, 4.0, 1.5], "unknown"),
    ([3.1, 3.0, 3.2], "unknown"),     # 3 runs against 4: too few for any test at 95 %
    ([2.5], "unknown"),               # run once: no interval, but the ratio of the minima is still told
])
def test_transfer_cost_at_the_largest_size_both_series_reached(moved, outcome):
    import pandas as pd
    rows = [("cupy", 512, t) for t in (0.5, 0.52)] + [("cupy_transfer", 512, t) for t in (9.0, 9.1)]
    rows += [("cupy", 1024, t) for t in (1.0, 1.02, 1.05, 1.03)] + [("cupy_transfer", 1024, t) for t in moved]
    rows += [("cupy", 2048, 8.0), ("cupy", 2048, 8.1)]  # the transfer series stopped before this size
    table = pd.DataFrame([{"op": "conv", "implementation": i, "N": n, "seconds": t, "status": "ok"}
                          for i, n, t in rows])
    found = analyse.transfer_cost(table, "conv", "cupy")
    assert found["N"] == 1024 and found["t"] == 1.0 and found["t_transfer"] == min(moved)
    assert found["ratio"] == pytest.approx(min(moved) / 1.0)
    assert found["dominates"]["outcome"] == outcome
    assert (found["dominates"]["reason"] == "too_few") == (len(moved) < 4)
    assert analyse.transfer_cost(table, "conv", "torch_cuda") is None
    assert analyse.transfer_cost(table, "matmul", "cupy") is None


def test_a_library_comparison_too_thin_at_the_largest_size_is_decided_where_runs_suffice():
    import pandas as pd
    rows = [("numpy", 1024, 2.0 + 0.01 * r) for r in range(5)] + [("torch_cpu", 1024, 1.0 + 0.01 * r) for r in range(5)]
    rows += [("numpy", 2048, 16.0 + 0.1 * r) for r in range(3)] + [("torch_cpu", 2048, 8.0 + 0.1 * r) for r in range(3)]
    table = pd.DataFrame([{"op": "matmul", "implementation": i, "N": n, "seconds": t, "status": "ok"}
                          for i, n, t in rows])
    v = analyse.versus_numpy(table, "matmul", "torch_cpu")
    assert v["N"] == 2048 and v["numpy_faster"]["reason"] == "too_few" and v["speedup"] == pytest.approx(2.0)
    d = v["decided"]
    assert d["N"] == 1024 and d["speedup"] == pytest.approx(2.0) and d["impl_faster"]["outcome"] == "yes"
    enough = table[table.N == 1024]
    assert analyse.versus_numpy(enough, "matmul", "torch_cpu")["decided"] is None  # decided where it stands


@pytest.mark.parametrize("numpy_times, faster, at", [
    ((2.0, 2.01, 2.02, 2.03, 2.04), "impl", 1024),   # torch twice as fast where 5 runs each decide
    ((0.5, 0.51, 0.52, 0.53, 0.54), "numpy", 1024),  # NumPy twice as fast
    ((1.0, 1.01, 1.02, 1.03, 1.04), None, 1024),     # the same speed: neither by 1.1×
])
def test_the_conclusion_states_the_comparison_where_the_runs_decide(numpy_times, faster, at):
    import pandas as pd
    rows = [("numpy", 1024, t) for t in numpy_times] + [("torch_cpu", 1024, 1.0 + 0.01 * r) for r in range(5)]
    rows += [("numpy", 2048, 16.0 + 0.1 * r) for r in range(3)] + [("torch_cpu", 2048, 8.0 + 0.1 * r) for r in range(3)]
    table = pd.DataFrame([{"op": "matmul", "implementation": i, "N": n, "seconds": t, "status": "ok"}
                          for i, n, t in rows])
    s = analyse.stated(analyse.versus_numpy(table, "matmul", "torch_cpu"))
    assert (s["N"], s["faster"], s["reason"]) == (at, faster, None)
    if faster:
        assert s["min_ratio"] == pytest.approx(2.0, rel=0.02) and s["numbers"]["lo"] >= 1.1
    # only the too-thin largest size: no verdict, and the reason says why
    thin = analyse.stated(analyse.versus_numpy(table[table.N == 2048], "matmul", "torch_cpu"))
    assert (thin["N"], thin["faster"], thin["reason"]) == (2048, None, "too_few")
    assert analyse.stated(None) is None


def test_conv2d_is_blamed_only_where_torch_arithmetic_is_cleared():
    def sizes(shift_vs_numpy):
        e = {"conv2d_vs_numpy": {"outcome": "yes"}, "conv2d_vs_torch_shift": {"outcome": "yes"},
             "torch_shift_vs_numpy": {"outcome": shift_vs_numpy}}
        return analyse.conv2d_method_at({256: e})
    assert sizes("no") == [256]
    assert sizes("unknown") == [] and sizes("yes") == []


def test_page_faults_blamed_only_where_recorded_and_higher():
    nan = float("nan")
    per_size = {256: {"faults_alloc": 40.0, "faults_inplace": 0.0}, 512: {"faults_alloc": 9.0, "faults_inplace": 9.0},
                1024: {"faults_alloc": nan, "faults_inplace": nan}}
    assert analyse.more_faults(per_size, [256]) is True
    assert analyse.more_faults(per_size, [256, 512]) is False
    assert analyse.more_faults(per_size, [256, 1024]) is None and analyse.more_faults(per_size, []) is None


def test_allocation_faults_start_where_every_larger_size_faults_more():
    """The real build: no extra faults up to N = 2048 (16 MiB temporaries came back from the heap),
    more at every size from 2896 on; a size in between that faults no more moves the start up."""
    def sizes(more_at):
        return {n: {"faults_alloc": 10.0 if n in more_at else 0.0, "faults_inplace": 0.0}
                for n in (1024, 2048, 2896, 4096, 5793)}
    assert analyse.faults_from(sizes({2896, 4096, 5793})) == 2896
    assert analyse.faults_from(sizes({1024, 4096, 5793})) == 4096
    assert analyse.faults_from(sizes({1024, 2048})) is None  # not at the largest size: no start
    nan = float("nan")
    assert analyse.faults_from({512: {"faults_alloc": nan, "faults_inplace": nan}}) is None


def test_the_memory_each_formulation_touches_is_set_against_the_unfold_matrix():
    import pandas as pd

    n, page = 1024, 4096
    image = n * n * 4  # float32
    matrix_pages = 9 * (n - 2) ** 2 * 4 / page
    rows = [{"implementation": impl, "N": n, "dtype": "float32", "faults": f, "status": "ok"}
            for impl, f in (("numpy_shift", 0.0), ("torch_shift", 0.0), ("torch_unfold", round(matrix_pages)),
                            ("torch_conv2d", 16321.0))]
    f = analyse.fresh_memory(pd.DataFrame(rows), n, page)
    assert f["share"]["torch_unfold"] == pytest.approx(matrix_pages * page / image, rel=1e-3)
    assert f["share"]["torch_conv2d"] == pytest.approx(16321 * page / image)
    assert f["unfold_is_matrix"] and f["conv2d_beyond_unfold"]
    # half the matrix's pages: the faults are not that allocation
    half = pd.DataFrame([{**r, "faults": r["faults"] / 2} if r["implementation"] == "torch_unfold" else r
                         for r in rows])
    assert not analyse.fresh_memory(half, n, page)["unfold_is_matrix"]
    assert analyse.fresh_memory(pd.DataFrame(rows).drop(columns="faults"), n, page) is None


def test_torch_arithmetic_faster_than_numpys_is_said_so_not_only_that_it_is_not_slower():
    import pandas as pd

    rng = np.random.default_rng(0)
    factors = {"numpy_shift": 1.0, "torch_conv2d": 3.0, "torch_conv2d_1thread": 4.5, "torch_unfold": 2.2}

    def table(shift):
        return pd.DataFrame([{"implementation": impl, "N": 1024, "repeat": r, "status": "ok", "dtype": "float32",
                              "seconds": 0.01 * f * (1 + 0.02 * rng.standard_normal())}
                             for r in range(9) for impl, f in {**factors, "torch_shift": shift}.items()])
    faster = analyse.explain_torch(table(0.77), threads=2)[1024]
    assert faster["torch_shift_vs_numpy"]["outcome"] == "no"  # not 1.1× slower …
    assert faster["numpy_vs_torch_shift"]["outcome"] == "yes"  # … but 1.1× faster: the report says which
    assert faster["numpy_vs_torch_shift"]["numbers"]["ratio"] == pytest.approx(1 / 0.77, rel=0.05)
    alike = analyse.explain_torch(table(1.0), threads=2)[1024]
    assert alike["torch_shift_vs_numpy"]["outcome"] == alike["numpy_vs_torch_shift"]["outcome"] == "no"


@pytest.mark.parametrize("driver", [None, "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)"])
def test_an_unusable_gpu_is_explained_by_whether_a_driver_is_there(monkeypatch, driver):
    """No driver at all: the reason says so (not CUDA's "driver insufficient"); a driver that is
    there: CUDA's own words and what to update."""
    import sys
    from types import SimpleNamespace

    from kadai import tools
    from kadai.backends import availability as av

    def refuse():
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime version")

    monkeypatch.setitem(sys.modules, "cupy", SimpleNamespace(cuda=SimpleNamespace(
        runtime=SimpleNamespace(getDeviceCount=refuse))))
    monkeypatch.setattr(tools, "gpus", lambda: driver)
    reason = av.cupy_status.__wrapped__().reason
    if driver is None:
        assert reason == av.NO_DRIVER
    else:
        assert "cudaErrorInsufficientDriver" in reason and reason.endswith(av.DRIVER_HINT)



def test_a_sweep_verdict_the_alternated_experiment_does_not_reproduce_is_flagged():
    """The real kadai2 build: the sweep found NumPy's convolution 1.79× faster than PyTorch's at
    N = 4096; the experiment's alternated rounds at N = 4096 could not tell (0.999–1.95)."""
    said = {"N": 4096, "faster": "numpy", "reason": None}
    exp = {4096: {"conv2d_vs_numpy": {"outcome": "unknown", "numbers": {"lo": 0.999, "hi": 1.95}}}}
    d = analyse.sweep_against_experiment(said, exp)
    assert (d["N"], d["sweep"], d["experiment"]) == (4096, "numpy", "unknown")
    exp[4096]["conv2d_vs_numpy"]["outcome"] = "yes"
    assert analyse.sweep_against_experiment(said, exp) is None  # both: conv2d slower
    assert analyse.sweep_against_experiment({**said, "faster": None}, exp)["sweep"] is None
    assert analyse.sweep_against_experiment({**said, "N": 2048}, exp) is None  # no shared size
    assert analyse.sweep_against_experiment({**said, "faster": None, "reason": "too_few"}, exp) is None
    assert analyse.sweep_against_experiment(None, exp) is None


ONEDNN_LOG = (Path(__file__).parent / "data/onednn_verbose.txt").read_text(encoding="utf-8")  # oneDNN 3.12, N = 2048


def test_onednn_verbose_lines_give_each_primitive_its_formats_and_time():
    from kadai.onednn import primitives

    p = primitives(ONEDNN_LOG)
    assert [(x["primitive"], x["implementation"], x["src"], x["dst"]) for x in p] == [
        ("reorder", "jit:uni", "abcd", "Acdb16a"), ("convolution", "jit:avx512_core", "abcd", "aBcd16b"),
        ("reorder", "jit:uni", "aBcd16b", "abcd")]
    assert p[1]["ms"] == 68.1169 and p[2]["dims"] == "1x1x2046x2046"
    # the convolution's weights: one output channel filled up to a block of 16 ("p": padded)
    assert (p[1]["propagation"], p[1]["wei"], p[1]["wei_padded"]) == ("forward_training", "Acdb16a", True)
    assert (p[0]["wei"], p[0]["wei_padded"]) == ("", False)  # a reorder has no weights


def test_conv2d_traced_under_onednn_names_its_primitives():
    """A real traced call (this PyTorch runs oneDNN on the CPU): the convolution is among them."""
    from kadai.kadai2.explain import PROBE_THREADS, onednn_rows

    threads = torch.get_num_threads()
    rows = onednn_rows([64, 512], 1)
    ran = {n: {r["primitive"] for r in rows if r["N"] == n and r["round"] == 0} for n in (64, 512)}
    assert ran[64] == {"none"}  # PyTorch convolves a small image itself
    if torch.backends.mkldnn.is_available():
        assert "convolution" in ran[512] and all(r["call_s"] > 0 and r["plain_s"] > 0 for r in rows if r["round"] == 0)
    # each size once more at the probe's thread count, untimed; the caller's thread count restored
    probe = [r for r in rows if r["round"] == -1]
    assert {r["threads"] for r in probe} == ({PROBE_THREADS} if threads != PROBE_THREADS else set())
    assert {r["threads"] for r in rows if r["round"] == 0} == {threads} and torch.get_num_threads() == threads


def _trace(sizes: dict, plain: dict | None = None, probe: dict | None = None):
    """Trace rows: {N: (conv ms, reorder ms, reorder implementation)}, two rounds at 2 threads, the
    second slower; each call timed plainly at the same time, or at ``plain`` times it per N. ``probe``:
    {N: reorder implementation} of round −1 at 1 thread."""
    import pandas as pd

    def call_rows(n, r, threads, call, plain_s, conv, back, impl):
        common = {"N": n, "round": r, "threads": threads, "call_s": call, "plain_s": plain_s}
        return [{**common, "primitive": "reorder", "implementation": "jit:uni", "src": "abcd", "dst": "Acdb16a",
                 "dims": "1x1x3x3", "ms": 0.005},
                {**common, "primitive": "convolution", "implementation": "jit:avx512_core", "src": "abcd",
                 "dst": "aBcd16b", "dims": "mb1", "ms": conv},
                {**common, "primitive": "reorder", "implementation": impl, "src": "aBcd16b", "dst": "abcd",
                 "dims": f"1x1x{n - 2}x{n - 2}", "ms": back}]

    rows = []
    for r, slow in ((0, 1.0), (1, 1.5)):
        for n, (conv, back, impl) in sizes.items():
            call = (conv + back + 0.01) * slow / 1e3
            rows += call_rows(n, r, 2, call, call / (plain or {}).get(n, 1.0), conv * slow, back * slow, impl)
    for n, impl in (probe or {}).items():
        rows += call_rows(n, -1, 1, 1.0, float("nan"), 1.0, 1.0, impl)
    return pd.DataFrame(rows)


def test_a_step_of_conv2d_is_placed_in_its_reorder_where_the_reorder_makes_most_of_the_rise():
    px = lambda n: (n - 2) ** 2 / 1e6  # ms per million output pixels → ms
    # the reorder's time per pixel jumps 10× with its implementation; a larger size is back on the fast one
    out = analyse.explain_onednn(_trace({4096: (15 * px(4096), 4 * px(4096), "jit:uni"),
                                         5793: (15 * px(5793), 4 * px(5793), "jit:uni"),
                                         6889: (15 * px(6889), 40 * px(6889), "simple:any"),
                                         7512: (15 * px(7512), 5 * px(7512), "jit:uni")}))
    assert out["block"] == {"block": 16, "dst": "aBcd16b"}
    e = out["sizes"][5793]
    assert e["conv_s"] == pytest.approx(15 * px(5793) / 1e3) and e["bytes"] == 5791 ** 2 * 16 * 4  # fastest round
    step = out["step"]
    assert (step["lo"], step["hi"], step["impl_changed"]) == (5793, 6889, True)
    assert step["reorder"] == pytest.approx(10.0) and step["conv"] == pytest.approx(1.0)
    fixed = 0.01 * 1e6 / 6887 ** 2 - 0.01 * 1e6 / 5791 ** 2  # the calls' 0.01 ms besides the two, per pixel
    assert step["reorder_part"] == pytest.approx(36 / (36 + fixed), rel=1e-3)
    assert [s["in_reorder"] for s in out["steps"]] == [False, True, False]
    im = out["impls"]
    assert im["by"]["jit:uni"]["sizes"] == [4096, 5793, 7512] and (im["slow"], im["fast"]) == ("simple:any", "jit:uni")
    assert im["ratio"] == pytest.approx(40 / 5, rel=1e-3) and im["not_by_size"]  # 7512 is larger than 6889
    assert im["at_least"] <= im["ratio"] < im["at_least"] + 0.01  # 「以上」 never rounds the bound up
    # the convolution itself slows as much as the reorder: the reorder makes only half the rise
    both = analyse.explain_onednn(_trace({5793: (15 * px(5793), 4 * px(5793), "jit:uni"),
                                          6889: (60 * px(6889), 40 * px(6889), "simple:any")}))
    assert both["step"] is None and both["steps"][0]["conv"] == pytest.approx(4.0)
    assert both["conv_steps"] == both["steps"] and out["conv_steps"] == []
    none = analyse.explain_onednn(_trace({64: (1.0, 1.0, "jit:uni")}).assign(primitive="none"))
    assert none["sizes"] == {} and none["without"] == [64] and none["step"] is None and none["impls"] is None


# What oneDNN (bundled with torch 2.x) chose for the 16-channel blocked output's reorder back to
# abcd, on this machine: (output width, threads) → jit:uni. Widths around every bound of the rule.
REORDERS_SEEN = {(1022, 2): True, (4094, 2): True, (4097, 2): True, (5791, 1): True, (5791, 2): True,
                 (5792, 2): True, (5793, 1): False, (5794, 1): False, (5794, 2): True, (5798, 2): True,
                 (5800, 2): True, (5801, 2): False, (5618, 1): True, (5622, 1): False, (5998, 2): True,
                 (6142, 2): True, (6144, 2): True, (6887, 2): False, (6888, 2): True, (6998, 2): True,
                 (7001, 4): False, (7510, 2): True, (7510, 1): False, (7511, 2): False, (7946, 2): True,
                 (7950, 2): False, (7950, 3): True, (8188, 1): True, (8188, 2): True, (8190, 2): False,
                 (8190, 4): True, (8191, 2): False}


def test_the_reorder_rule_from_onednns_source_predicts_every_implementation_seen():
    """kadai.kadai2.analyse.jit_reorder_expected against oneDNN's choices traced on this machine
    (2026-11-28, oneDNN as bundled with torch 2.14): odd widths up to 5791, multiples of 4 always,
    widths ≡ 2 (mod 4) up to the bound their thread count gives (5618 at 1 thread, 7946 at 2)."""
    for (width, threads), jit in REORDERS_SEEN.items():
        assert analyse.jit_reorder_expected(width, threads, 16) is jit, (width, threads)
    assert analyse.jit_reorder_expected(8190, 2, 8) is None  # an 8-channel block: not derived
    assert analyse.largest_jit_width(1, 2) == 5791 and analyse.largest_jit_width(2, 1) == 5618
    assert analyse.largest_jit_width(2, 2) == 7946 and analyse.largest_jit_width(0, 2) is None  # never simple


def test_the_rule_is_checked_against_every_size_and_thread_count_traced():
    px = lambda n: (n - 2) ** 2 / 1e6
    sizes = {5793: (15 * px(5793), 4 * px(5793), "jit:uni"), 6889: (15 * px(6889), 40 * px(6889), "simple:any"),
             7512: (15 * px(7512), 5 * px(7512), "jit:uni")}
    out = analyse.explain_onednn(_trace(sizes, probe={5793: "jit:uni", 6889: "simple:any", 7512: "simple:any"}))
    rule = out["rule"]
    assert rule["agree"] and len(rule["checked"]) == 6 and rule["threads"] == [1, 2]
    assert rule["by_threads"] == [{"N": 7512, "impls": {1: "simple:any", 2: "jit:uni"}}]
    assert rule["odd_limit"] == 5791 and rule["mod2_limits"] == {1: 5618, 2: 7946}
    assert rule["untested"] == ["mult4"]  # widths 5791, 6887 (odd) and 7510 (≡ 2): no multiple of 4
    assert analyse.small_strides(rule["mod2_pixels"], 16) and not analyse.small_strides(rule["mod2_pixels"] + 1, 16)
    assert set(out["sizes"]) == {5793, 6889, 7512}  # the probe adds no size and no time
    wrong = analyse.explain_onednn(_trace(sizes, probe={7512: "jit:uni"}))["rule"]
    assert not wrong["agree"] and [(c["N"], c["threads"]) for c in wrong["mismatches"]] == [(7512, 1)]
    # the sweep's inversion 6889 → 7512 (7512 faster) meets the trace's slow and fast reorders there
    inv = [{"n_small": 6889, "n_large": 7512}, {"n_small": 5793, "n_large": 6889}]
    analyse.reorder_inversions(inv, out, 2)
    assert inv[0]["reorder"]["small"] == "simple:any" and inv[0]["reorder"]["large"] == "jit:uni"
    assert inv[0]["reorder"]["plain_small"] == pytest.approx([(15 + 40) * px(6889) / 1e3 + 1e-5,
                                                              1.5 * ((15 + 40) * px(6889) / 1e3 + 1e-5)])
    assert "reorder" not in inv[1]
    other = [{"n_small": 6889, "n_large": 7512}]
    analyse.reorder_inversions(other, out, 4)  # the sweep ran at another thread count: no claim
    assert "reorder" not in other[0]


def test_a_traced_call_far_from_its_plain_time_decides_no_share_or_step():
    """The trace times a call whose time the trace itself (or the machine meanwhile) changed: that
    size's times are kept in the table but decide neither the reorder's share nor a step."""
    px = lambda n: (n - 2) ** 2 / 1e6
    sizes = {5793: (15 * px(5793), 4 * px(5793), "jit:uni"), 6889: (15 * px(6889), 40 * px(6889), "simple:any")}
    fine = analyse.explain_onednn(_trace(sizes))
    assert fine["logging"]["apart"] == [] and fine["logging"]["ratio"] == pytest.approx([1.0, 1.0])
    assert fine["step"] is not None and fine["sizes"][6889]["representative"]
    apart = analyse.explain_onednn(_trace(sizes, plain={6889: 2.1}))  # traced 2.1× the plain call
    assert apart["logging"]["apart"] == [6889] and apart["logging"]["ratio"] == pytest.approx([1.0, 2.1])
    assert apart["step"] is None and not apart["steps"][0]["representative"]
    assert fine["impls"]["slow"] == "simple:any" and apart["impls"] is None  # 6889's reorder time left out
    shares = [e["reorder_share"] for n, e in apart["sizes"].items() if n == 5793]
    assert apart["reorder_share"] == pytest.approx([shares[0], shares[0]])


def test_conv2d_fresh_memory_is_matched_with_its_blocked_output_where_both_were_measured():
    """17 images of fresh memory per run at N = 1024 are the 16-channel blocked output plus the result;
    8 are not; a size the trace did not cover is left as it was."""
    traced = {"sizes": {1024: {"block": 16, "pixels": 1022 ** 2}}}
    tc = {n: {"fresh": {"share": {"torch_conv2d": share}}} for n, share in ((1024, 17.0), (4096, 17.0))}
    analyse.blocked_fresh(tc, traced)
    assert tc[1024]["fresh"]["conv2d_is_blocked"] and tc[1024]["fresh"]["channels"] == 17
    assert tc[1024]["fresh"]["blocked"] == pytest.approx(17 * 0.996, rel=1e-3)
    only = {1024: {"fresh": {"share": {"torch_conv2d": 15.94}}}}  # the blocked output alone, the result reused
    analyse.blocked_fresh(only, traced)
    assert only[1024]["fresh"]["channels"] == 16 and only[1024]["fresh"]["conv2d_is_blocked"]
    assert "blocked" not in tc[4096]["fresh"]
    tc = {1024: {"fresh": {"share": {"torch_conv2d": 8.0}}}}
    analyse.blocked_fresh(tc, traced)
    assert not tc[1024]["fresh"]["conv2d_is_blocked"]
    analyse.blocked_fresh({1024: {"fresh": None}}, traced)  # faults not recorded: nothing to match
