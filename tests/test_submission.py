"""The 課題1 program: only `time` and `matplotlib` imports, correct kernels, runs standalone."""
import ast
import importlib.util

import numpy as np
import pytest
from conftest import ROOT

PROGRAM = ROOT / "workflow" / "submission" / "kadai1.py"
ALLOWED = {"time", "matplotlib"}


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mods.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            mods.add("__import__")
    return mods


def test_program_imports_only_time_and_matplotlib():
    assert imported_modules(PROGRAM) <= ALLOWED


def test_import_check_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import time\nimport numpy as np\nfrom os import path\n")
    assert imported_modules(bad) - ALLOWED == {"numpy", "os"}


@pytest.fixture(scope="module")
def program():
    spec = importlib.util.spec_from_file_location("k1", PROGRAM)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 13, 31])
@pytest.mark.parametrize("name", ["matmul_naive", "matmul_fast"])
def test_kernels_match_numpy(program, name, n):
    rng = np.random.default_rng(n)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    out = getattr(program, name)(a.tolist(), b.tolist())
    np.testing.assert_allclose(np.array(out), a @ b, rtol=1e-12, atol=1e-12)


def test_random_matrix_is_deterministic_and_in_range(program):
    m1, m2 = program.random_matrix(6, 3), program.random_matrix(6, 3)
    assert m1 == m2 and all(0 <= x < 1 for row in m1 for x in row)
    assert program.random_matrix(6, 4) != m1


def test_main_runs_standalone_and_stops_on_budget(program, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    results = program.main(budget_s=0.02, n_start=2, n_stop=512)
    out = capsys.readouterr().out
    assert set(results) == {"naive", "fast"}
    for sizes, times in results.values():
        assert sizes[0] == 2 and sizes[-1] < 512  # the budget stopped it
        assert len(sizes) == len(times) >= 3
    assert "止める" in out
    assert (tmp_path / "kadai1.svg").exists()
