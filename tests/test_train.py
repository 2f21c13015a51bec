"""課題3/4 training code: the course model, the data path, both loops learn."""
import gzip
import math
import platform
import re
import shutil

import pytest
import torch
from conftest import make_tiny_mnist
from kadai.train import data, loops, models


def test_course_cnn_matches_the_lecture_table():
    s = models.summary(models.SpecNet("conv4-conv4-fc128"))
    assert [r[0] for r in s["rows"]] == ["Conv2d: 1-1", "Conv2d: 1-2", "Flatten: 1-3", "Linear: 1-4", "Linear: 1-5"]
    assert [r[2] for r in s["rows"]] == [40, 148, 0, 295040, 1290]
    assert [r[1] for r in s["rows"]][:2] == ["[1, 4, 26, 26]", "[1, 4, 24, 24]"]
    assert s["total_params"] == 296518


def test_removing_conv_layers_makes_fc1_take_784_inputs():
    m = models.SpecNet("fc128")
    assert m.fc1.in_features == 784 and m.fc2.out_features == 10
    assert models.param_count(m) == 784 * 128 + 128 + 128 * 10 + 10


def test_spec_errors_are_clear():
    with pytest.raises(ValueError, match="unknown layer"):
        models.SpecNet("conv4-dense10")
    with pytest.raises(ValueError, match="conv after fc"):
        models.SpecNet("fc10-conv4")
    with pytest.raises(ValueError, match="shrinks to nothing"):
        models.SpecNet("-".join(["conv2"] * 14))
    for bad, words in (("pool0-fc8", "size 0"), ("fc0", "size 0"), ("fc8-pool2", "pool after fc"),
                       ("conv4-pool32", "shrinks to nothing at pool32")):
        with pytest.raises(ValueError, match=words):
            models.SpecNet(bad)
    net = models.SpecNet("conv4-pool2-fc16")  # 28 → 26 → 13: 4·13·13 inputs of fc1
    assert net.fc1.in_features == 4 * 13 * 13 and net.fc2.out_features == 10
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_optimizer_strings():
    from kadai.train.spec import SpecError, parse_optimizer

    assert parse_optimizer("adam@0.001") == ("adam", 0.001) and parse_optimizer("sgd") == ("sgd", None)
    for bad in ("adam@1.2.3", "adam@0", "rmsprop@0.1", "sgd@-1"):
        with pytest.raises(SpecError):
            parse_optimizer(bad)


def test_tiny_idx_dataset_loads_the_same_bytes_as_torchvision(tmp_path):
    import torchvision.datasets as tvd

    make_tiny_mnist(tmp_path, 50, 20)
    assert data.prepare("mnist", tmp_path, download=False)
    x, y = data.load_tensors("mnist", tmp_path, True)
    assert x.shape == (50, 28, 28) and x.dtype == torch.uint8 and set(y.tolist()) == set(range(10))
    for train in (True, False):
        ours, theirs = data.load_tensors("mnist", tmp_path, train), tvd.MNIST(str(tmp_path), train=train)
        assert torch.equal(ours[0], theirs.data) and torch.equal(ours[1], theirs.targets)
        assert ours[1].dtype == theirs.targets.dtype
    ds = data.torchvision_dataset("mnist", tmp_path, False)
    img, label = ds[0]
    assert img.shape == (1, 28, 28) and abs(float(img.min()) - (0 - data.MEAN) / data.STD) < 0.5


def test_missing_dataset_names_the_folder_and_files(tmp_path):
    with pytest.raises(data.DatasetMissing) as err:
        data.prepare("mnist", tmp_path / "data", download=False)
    msg = str(err.value)
    assert str((tmp_path / "data" / "MNIST" / "raw").resolve()) in msg
    for f in data.IDX_FILES:
        assert f in msg


def test_source_dir_with_gzipped_files(tmp_path):
    raw = make_tiny_mnist(tmp_path / "src", 30, 10, folder="x")
    gz = tmp_path / "gz"
    gz.mkdir()
    for f in data.IDX_FILES:
        with open(raw / f, "rb") as fin, gzip.open(gz / f"{f}.gz", "wb") as fout:
            shutil.copyfileobj(fin, fout)
    out = data.prepare("fashion-mnist", tmp_path / "data", source_dir=gz, download=False)
    assert out.name == "raw" and out.parent.name == "FashionMNIST"
    assert data.load_tensors("fashion-mnist", tmp_path / "data", False)[0].shape == (10, 28, 28)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    make_tiny_mnist(d, 600, 200)
    return d


@pytest.mark.parametrize("spec", ["fc32", "conv2-conv2-fc16"])
def test_fast_loop_learns_better_than_chance(tiny, spec):
    dev = torch.device("cpu")
    x, y = data.load_tensors("mnist", tiny, True)
    tx, ty = data.load_tensors("mnist", tiny, False)
    torch.manual_seed(0)
    rows = loops.train_fast(models.SpecNet(spec), data.normalised(x, dev), y, data.normalised(tx, dev), ty,
                            epochs=3, batch_size=32, seed=0, device=dev, progress=lambda m: None)
    assert len(rows) == 3 and rows[-1]["accuracy"] > 0.5  # chance is 0.1
    assert all(r["train_s"] >= r["compute_s"] > 0 for r in rows)


def test_dataloader_loop_learns_and_reports_data_time(tiny):
    ds, tds = data.torchvision_dataset("mnist", tiny, True), data.torchvision_dataset("mnist", tiny, False)
    torch.manual_seed(0)
    rows = loops.train_dataloader(models.SpecNet("fc32"), ds, tds, epochs=2, batch_size=32, seed=0,
                                  device=torch.device("cpu"), progress=lambda m: None)
    assert rows[-1]["accuracy"] > 0.5 and rows[-1]["data_s"] > 0


def test_seeds_make_runs_repeatable(tiny):
    dev = torch.device("cpu")
    x, y = data.load_tensors("mnist", tiny, True)
    accs = []
    for _ in range(2):
        torch.manual_seed(3)
        rows = loops.train_fast(models.SpecNet("fc16"), data.normalised(x, dev), y, data.normalised(x, dev), y,
                                epochs=1, batch_size=50, seed=3, device=dev, progress=lambda m: None)
        accs.append(rows[0]["loss"])
    assert accs[0] == pytest.approx(accs[1], rel=1e-6)


def test_a_cnn_stored_channel_last_computes_what_the_plain_layout_computes():
    torch.manual_seed(0)
    fast = models.SpecNet("conv4-conv4-fc128")
    plain = models.SpecNet("conv4-conv4-fc128")
    plain.load_state_dict(fast.state_dict())
    plain.channels_last = False
    plain.to(memory_format=torch.contiguous_format)
    assert fast.channels_last and fast.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(8, 1, 28, 28)
    assert torch.allclose(fast(x), plain(x), atol=1e-5)
    assert not models.SpecNet("fc128").channels_last  # nothing to gain without a convolution


X86 = ("x86_64", "AMD64")  # where PyTorch's CPU convolutions run on oneDNN


def test_the_profile_sorts_every_operator_of_a_training_batch_into_its_layer_kind():
    """kind_of on the names PyTorch's profiler gives, and a real profiled batch: a model without
    Conv2d has no convolution time, one with Conv2d has some, and the kinds add up to the batch."""
    import time

    from kadai.kadai3 import profile

    for name, kind in (("aten::convolution", "conv"), ("aten::mkldnn_convolution", "conv"),
                       ("autograd::engine::evaluate_function: ConvolutionBackward0", "conv"),
                       ("aten::convolution_backward", "conv"), ("aten::addmm", "linear"), ("aten::mm", "linear"),
                       ("autograd::engine::evaluate_function: AddmmBackward0", "linear"), ("aten::relu", "other"),
                       ("Optimizer.step#Adam.step", "other"), ("aten::_fused_adam_", "other")):
        assert profile.kind_of(name) == kind, name
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    for spec, has_conv in (("fc16", False), ("conv1-conv1-fc16", True)):
        run = loops.stepper(models.SpecNet(spec), loops.fast_batches(x, y, 32, 0, torch.device("cpu")),
                            torch.device("cpu"))
        run(2)
        t = time.perf_counter()
        got = profile.profiled(run, 4)
        wall = (time.perf_counter() - t) / 4
        assert (got["conv"] > 0) is has_conv and got["linear"] > 0 and got["other"] > 0
        assert sum(got.values()) < 1.5 * wall  # self times: nothing counted twice
        # oneDNN's own account of the same batches: convolution primitives only where there are Conv2d
        # layers (the linear layers' products are not oneDNN's), never longer than the batches took
        t = time.perf_counter()
        account = profile.onednn_account(run, 4)
        wall = (time.perf_counter() - t) / 4
        if not has_conv or math.isnan(account["onednn_conv_s"]):  # no convolution, or PyTorch convolved itself
            assert not has_conv or not torch.backends.mkldnn.is_available() or platform.machine() not in X86
            assert math.isnan(account["onednn_reorder_s"]) and account["onednn_weights"] == ""
        else:
            assert 0 < account["onednn_conv_s"] < wall and 0 <= account["onednn_reorder_s"] < wall
            assert all(re.fullmatch(r"[A-Za-z0-9]+(:p)?", w) for w in account["onednn_weights"].split(" "))
