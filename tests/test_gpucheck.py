"""`python -m kadai.gpucheck`: every GPU part of the pipeline in one command, never a crash."""

import json

import pytest
from conftest import ROOT

H100 = ROOT / "tests/data/h100"  # 任意課題1 on an H100, before the runs alone and the settings were recorded
H200 = ROOT / "tests/data/h200"


def test_without_a_gpu_every_part_says_why_and_writes_the_pipelines_files(tmp_path, monkeypatch, capsys):
    from kadai import gpucheck
    from kadai.backends.availability import cupy_status, torch_cuda_status
    from kadai.io import read_csv
    from kadai.rows import RAW

    if cupy_status().ok or torch_cuda_status().ok:
        pytest.skip("this machine has a GPU")
    monkeypatch.chdir(ROOT)
    assert gpucheck.main(["--configfile", "config/quick.yaml", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    told = [line for line in lines if line.startswith(("課題2", "任意課題1", "課題3"))]
    assert len(told) == 8 + 1 + 1 and all("skipped: " in line for line in told)
    for op in ("matmul", "conv"):
        for impl in gpucheck.CUDA_IMPLEMENTATIONS:
            table = read_csv(tmp_path / "kadai2" / f"{op}_{impl}.csv", RAW)
            assert set(table.status) == {"skipped"} and table.note.iloc[0] in " ".join(told)
    assert json.loads((tmp_path / "nini1/gpu.json").read_text(encoding="utf-8"))["available"] is False


def test_a_part_that_raises_is_shown_and_the_others_still_run(tmp_path, monkeypatch, capsys):
    from kadai import gpucheck

    def broken(config, out):
        raise TypeError("cupy array passed where NumPy expected")

    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(gpucheck.PARTS, "nini1", broken)
    assert gpucheck.main(["--configfile", "config/quick.yaml", "--out", str(tmp_path), "--skip", "kadai2"]) == 1
    out = capsys.readouterr().out
    assert "nini1: FAILED" in out and "TypeError: cupy array passed" in out and "課題3 GPU" in out


def test_a_measured_series_is_summed_up_by_its_largest_size_and_its_end():
    from kadai.gpucheck import series_line
    from kadai.io import read_csv
    from kadai.rows import RAW

    table = read_csv(H200 / "matmul_cupy.csv", RAW)
    ok = table[table.status == "ok"]
    top = ok[ok.N == ok.N.max()]
    line = series_line(table)
    assert line.startswith(f"{ok.N.nunique()} sizes, N = {ok.N.min()}–{ok.N.max()}, fastest at N = {ok.N.max()}: "
                           f"{top.seconds.min() * 1e3:.3g} ms ({len(top)} runs)")
    assert line.endswith("ended: " + table[table.status == "stop"].note.iloc[-1])


def test_config_files_are_laid_over_the_defaults_key_by_key(tmp_path, monkeypatch):
    from kadai.config import read_yaml
    from kadai.gpucheck import merged

    monkeypatch.chdir(ROOT)
    (tmp_path / "c.yaml").write_text("nini1:\n  gpu: {n: 64}\n", encoding="utf-8")
    config = merged([str(tmp_path / "c.yaml")])
    defaults = read_yaml(ROOT / "config/config.yaml")
    assert config["nini1"]["gpu"] == {**defaults["nini1"]["gpu"], "n": 64}
    assert config["nini1"]["ladder_n"] == defaults["nini1"]["ladder_n"]


@pytest.mark.parametrize("data", [H100, H200])
def test_the_gpu_kernels_are_summed_up_from_their_samples(monkeypatch, data):
    """A GPU's samples in place of a measurement: speeds and step verdicts as analyse decides, and,
    where the file has them (the H200's), the runs alone and the goal over both orders."""
    import statistics

    from kadai import gpucheck
    from kadai.nini1 import analyse, gpu

    measured = json.loads((data / "gpu.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(gpu, "measure", lambda *a: measured)
    lines = gpucheck.nini1({"nini1": {"gpu": {"n": measured["N"], "rounds": 30, "check_n": 999, "vec": {}}}}, ROOT)
    n = measured["N"]
    speed = 2 * n**3 / statistics.median(measured["samples"]["mm_vec"]) / 1e9
    assert f"  mm_vec: {speed:.0f} GFLOPS, relative error 4.21e-07, checked at N = {n}: True" in lines
    goal = analyse.gpu_facts(measured)["steps"]["goal"]
    assert f"  step goal: ratio {goal['numbers']['ratio']:.3g}" in next(x for x in lines if "step goal" in x)
    assert next(x for x in lines if "step goal" in x).split(": ")[-1].startswith(goal["outcome"])
    facts = analyse.gpu_facts(measured)
    alone = [x for x in lines if x.startswith("  each alone")]
    assert len(alone) == (1 if "alone" in measured else 0)
    if alone:
        speed = 2 * n**3 / statistics.median(measured["alone"]["samples"]["cublas"]) / 1e9
        assert f"cublas {speed:.0f} GFLOPS" in alone[0] and alone[0].endswith(
            f"{facts['alone']['goal']['outcome']} {facts['alone']['goal']['reason']}")
    assert lines[-1] == f"  goal over both orders: {facts['goal']['outcome']} {facts['goal']['reason']}"
