"""Bad input and interrupted work: a clear error naming the file, nothing stale, nothing lost."""
import math

import pandas as pd
import pytest
from kadai import io, rows


def raw_table(n=3):
    return pd.DataFrame([{"implementation": "numpy", "op": "matmul", "N": 4 * 2 ** i, "dtype": "float32",
                          "device": "cpu", "repeat": 0, "seconds": 1e-3 * 8 ** i, "status": "ok", "note": "",
                          "faults": 0.0, "busy": 0.1, "cores": 1.0} for i in range(n)])


def test_a_written_table_reads_back_the_same(tmp_path):
    path = tmp_path / "t.csv"
    io.write_csv(path, raw_table(), rows.RAW)
    assert path.read_text().rstrip().endswith("# complete: 3 rows")
    back = io.read_csv(path, rows.RAW)
    assert list(back.N) == [4, 8, 16] and back.N.dtype == "int64" and math.isclose(back.seconds.iloc[2], 0.064)
    assert back.note.isna().all()  # an empty note stays empty, not the text "nan"


@pytest.mark.parametrize("damage,words", [
    (lambda t: t[: t.index("\n16,") if "\n16," in t else len(t) // 2 + 7], "cut short"),
    (lambda t: t.replace("0.064", "0.0x4"), "line 4, column 'seconds': '0.0x4' is not a number"),
    (lambda t: t.replace(",ok,", ",fine,", 1), "column 'status': 'fine' is not one of ok"),
    (lambda t: t.replace("# complete: 3 rows", "# complete: 4 rows"), "holds 3 rows where its job wrote 4"),
    (lambda t: t.replace("implementation,", "impl,", 1), "the column 'implementation' is missing"),
    (lambda t: t.replace(",4,float32", ",4.5,float32", 1), "column 'N': '4.5' is not an integer"),
])
def test_a_damaged_table_stops_the_build_naming_the_file_and_the_fix(tmp_path, damage, words):
    path = tmp_path / "matmul_numpy.csv"
    io.write_csv(path, raw_table(), rows.RAW)
    path.write_text(damage(path.read_text()))
    with pytest.raises(io.DamagedResult) as err:
        io.read_csv(path, rows.RAW)
    message = str(err.value)
    assert str(path) in message and words in message and "delete it and run the same snakemake command" in message


def test_a_job_cannot_write_a_table_its_readers_would_refuse(tmp_path):
    bad = raw_table().assign(status="fine")
    with pytest.raises(io.DamagedResult, match="'fine' is not one of"):
        io.write_csv(tmp_path / "t.csv", bad, rows.RAW)
    assert not (tmp_path / "t.csv").exists()


def test_damaged_json_names_the_file(tmp_path):
    path = tmp_path / "findings.json"
    path.write_text('{"a": [1, 2', encoding="utf-8")
    with pytest.raises(io.DamagedResult, match="findings.json: it is not readable JSON"):
        io.read_json(path)


def test_a_damaged_dataset_is_named_and_leaves_nothing_behind(tmp_path):
    import gzip
    import shutil

    from conftest import make_tiny_mnist
    from kadai.train import data

    good = make_tiny_mnist(tmp_path / "good", 50, 20)
    src = tmp_path / "src"
    src.mkdir()
    for f in data.IDX_FILES:  # the source as .gz files, one of them cut short
        with open(good / f, "rb") as fin, gzip.open(src / f"{f}.gz", "wb") as fout:
            shutil.copyfileobj(fin, fout)
    blob = (src / "train-images-idx3-ubyte.gz").read_bytes()
    (src / "train-images-idx3-ubyte.gz").write_bytes(blob[: len(blob) // 2])
    target = tmp_path / "data"
    with pytest.raises(data.DatasetDamaged, match=r"src/train-images-idx3-ubyte.gz: cannot be read"):
        data.prepare("mnist", target, src, download=False)
    raw = data.raw_dir("mnist", target)
    assert not (raw / "train-images-idx3-ubyte").exists() and not list(raw.glob(".*part*"))
    # a correct source afterwards works: nothing from the failed attempt is in the way
    with open(good / "train-images-idx3-ubyte", "rb") as fin, gzip.open(src / "train-images-idx3-ubyte.gz", "wb") as f:
        shutil.copyfileobj(fin, f)
    assert data.prepare("mnist", target, src, download=False) == raw
    # a file damaged in place (an older interrupted copy) is replaced from the source
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"")
    assert data.prepare("mnist", target, src, download=False) == raw
    assert data.idx_shape(raw / "t10k-labels-idx1-ubyte") == (20,)
    # without a source the message names the damaged file
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x14abc")
    with pytest.raises(data.DatasetMissing, match=r"t10k-labels-idx1-ubyte: 11 bytes where its header"):
        data.prepare("mnist", target, None, download=False)


HOLD = """
import os, sys, time
sys.path.insert(0, {lib!r})
from kadai.exclusive import held
with held({lock!r}):
    start = time.time()
    print("holding", flush=True)
    while not os.path.exists({go!r}) and time.time() - start < 30:  # hold until the test says go
        time.sleep(0.05)
    print(start, time.time(), flush=True)
"""


def test_timing_jobs_of_one_folder_never_overlap(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    go = tmp_path / "go"
    code = HOLD.format(lib=str(ROOT / "workflow"), lock=str(tmp_path / "results" / ".timing.lock"), go=str(go))
    first = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert first.stdout.readline() == "holding\n"
    second = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    # the second says whom it waits for (however slowly this machine starts Python) …
    assert f"waiting for timing job pid {first.pid}" in second.stdout.readline()
    go.touch()
    outs = [p.communicate(timeout=60)[0] for p in (first, second)]
    spans = sorted(tuple(map(float, o.split()[-2:])) for o in outs)
    assert spans[0][1] <= spans[1][0], f"the two held the lock at once: {spans}"  # … and never overlaps it


ORPHAN = """
import sys, time
sys.path.insert(0, {lib!r})
from kadai.exclusive import watched
from kadai.io import write_text
print("started", flush=True)
with watched(poll_s=0.1, grace_s=5):
    write_text({ready!r}, "inside the watched block")
    time.sleep(20)
    write_text({out!r}, "measured after snakemake ended")
"""

FAKE_SNAKEMAKE = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", {code!r}])
time.sleep(60)
"""


def test_a_job_whose_snakemake_is_killed_stops_without_writing(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    import psutil
    from conftest import ROOT

    out = tmp_path / "result.csv"
    ready = tmp_path / "ready"
    code = ORPHAN.format(lib=str(ROOT / "workflow"), out=str(out), ready=str(ready))
    script = tmp_path / "snakemake_stand_in.py"  # the watcher knows Snakemake by its command line
    script.write_text(FAKE_SNAKEMAKE.format(code=code))
    parent = subprocess.Popen([sys.executable, str(script)])
    deadline = time.time() + 30
    while time.time() < deadline and not psutil.Process(parent.pid).children():
        time.sleep(0.05)
    child = psutil.Process(parent.pid).children()[0]
    while time.time() < deadline and not ready.exists():  # the child is inside the watched block
        time.sleep(0.05)
    assert ready.exists()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    t0 = time.time()
    gone, _ = psutil.wait_procs([child], timeout=10)
    assert gone, "the measurement kept running after its Snakemake was killed"
    assert time.time() - t0 < 5 and not out.exists()


def test_files_made_from_a_missing_file_are_removed_down_to_the_pdf(tmp_path, monkeypatch):
    from kadai import made

    monkeypatch.chdir(tmp_path)
    chain = [("raw.csv", ["code.py"]), ("findings.json", ["raw.csv", "code.py"]), ("fig.svg", ["findings.json"]),
             ("report.md", ["findings.json", "fig.svg", "template.j2"]), ("report.pdf", ["report.md", "fig.svg"]),
             ("other.pdf", ["other.md"])]
    for out, ins in chain:
        (tmp_path / out).write_text("x")
        made.record(ins, [out])
    for f in ("code.py", "template.j2"):
        (tmp_path / f).write_text("x")
    assert made.sweep(say=lambda m: None) == []  # everything present: nothing to do
    (tmp_path / "fig.svg").unlink()
    assert sorted(made.sweep(say=lambda m: None)) == ["report.md", "report.pdf"]
    (tmp_path / "raw.csv").unlink()
    messages = []
    assert made.sweep(say=messages.append) == ["findings.json"]
    assert "raw.csv is missing" in messages[0]
    assert (tmp_path / "other.pdf").exists()  # other.md was never made by a job: not ours to judge


# ---------------------------------------------------------------- as a user runs it (課題1, quick)

@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from conftest import QUICK, fresh_copy, snakemake

    repo = fresh_copy(tmp_path_factory.mktemp("robust") / "kadai")
    snakemake(repo, "report/kadai1.pdf", *QUICK, "--cores", "2")
    return repo


def kadai1(repo, *extra, check=False):
    from conftest import QUICK, snakemake

    proc = snakemake(repo, "report/kadai1.pdf", *QUICK, *extra, check=check)
    return proc.returncode, proc.stdout + proc.stderr


def test_a_failed_check_leaves_no_pdf_and_every_rerun_checks_again(small):
    template = small / "templates/kadai1.md.j2"
    original = template.read_text(encoding="utf-8")
    polite = original.replace("# 目的\n", "# 目的\n\nこの実験はとても楽しかったです。\n", 1)
    template.write_text(polite, encoding="utf-8")
    try:
        for attempt in range(2):  # the second run must not find "Nothing to be done"
            rc, out = kadai1(small)
            assert rc != 0 and "[style_mix]" in out, f"attempt {attempt + 1}:\n{out[-3000:]}"
            assert not (small / "report/kadai1.pdf").exists()
    finally:
        template.write_text(original, encoding="utf-8")
    rc, out = kadai1(small)
    assert rc == 0 and (small / "report/kadai1.pdf").exists(), out[-3000:]


def test_a_cut_short_raw_table_stops_the_build_and_is_measured_again_once_deleted(small):
    raw = small / "results/kadai1/raw/matmul_naive.csv"
    text = raw.read_text()
    raw.write_text(text[: len(text) // 2])
    rc, out = kadai1(small)
    assert rc != 0 and "results/kadai1/raw/matmul_naive.csv: it does not end with the line" in out
    assert "delete it and run the same snakemake command again" in out
    assert not (small / "report/kadai1.pdf").exists()  # nothing made from the damaged table survives
    raw.unlink()  # what the message says to do
    rc, out = kadai1(small)
    assert rc == 0, out[-3000:]
    assert "rule kadai1_measure" in out and io.read_csv(raw, rows.RAW).N.max() > 0


def test_a_deleted_figure_is_made_again(small):
    (small / "results/kadai1/fig/time.svg").unlink()
    rc, out = kadai1(small)
    assert rc == 0 and (small / "results/kadai1/fig/time.svg").exists(), out[-3000:]
    assert "kadai1_measure" not in out  # only the figure and what shows it


def test_an_impossible_config_names_the_file_and_line_before_any_job(small, tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("kadai1:\n  sweep:\n    min_repeats: 10\n    max_repeats: 2\ndate: '2024-13-45'\n", encoding="utf-8")
    rc, out = kadai1(small, str(bad))  # appended to --configfile
    assert rc != 0 and f"'kadai1.sweep.max_repeats' ({bad} line 4)" in out and "'date'" in out
    assert "rule kadai1" not in out
