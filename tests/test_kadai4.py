"""課題4: the generated dataset, the one-at-a-time settings and the effect rule."""
import numpy as np
import pytest
from kadai.kadai4 import analyse, dataset, settings, train

CFG = {"seed": 1, "train_per_class": 6, "test_per_class": 2,
       "augment": {"size_min": 18, "size_max": 30, "rotate_deg": 15, "shift_px": 2, "stroke_max": 2,
                   "noise_std": 20}}


def test_fonts_found_include_the_always_present_ones():
    names = [f.rsplit("/", 1)[-1] for f in dataset.font_files()]
    assert "DejaVuSans.ttf" in names and "ipaexg.ttf" in names


def test_dataset_is_deterministic_and_balanced(tmp_path):
    card = dataset.generate(CFG, tmp_path / "a.npz")
    dataset.generate(CFG, tmp_path / "b.npz")
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    for k in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(a[k], b[k])
    assert a["x_train"].shape == (60, 28, 28) and a["x_train"].dtype == np.uint8
    assert card["per_class_train"] == [6] * 10 and card["per_class_test"] == [2] * 10
    assert a["x_train"].max() == 255 and a["x_train"].mean() < 128  # white digits on black


def test_another_seed_gives_other_images(tmp_path):
    dataset.generate(CFG, tmp_path / "a.npz")
    dataset.generate({**CFG, "seed": 2}, tmp_path / "b.npz")
    assert not np.array_equal(np.load(tmp_path / "a.npz")["x_train"], np.load(tmp_path / "b.npz")["x_train"])


def test_digit_images_differ_between_classes():
    rng = np.random.default_rng(0)
    font = dataset.font_files()[0]
    aug = {**CFG["augment"], "rotate_deg": 0, "shift_px": 0, "noise_std": 0, "stroke_max": 0}
    one, seven = (dataset.render_digit(d, font, rng, aug).astype(int) for d in (1, 7))
    assert (one > 128).sum() > 10 and np.abs(one - seven).sum() > 1000


def test_effect_rule_on_synthetic_numbers():
    # means differ by 0.10 with seed SD 0.01: an effect
    assert analyse.effect([0.80, 0.85, 0.90], [0.01, 0.01, 0.01], acc=True)["has_effect"]
    # means differ by 0.02 with seed SD 0.02: within the noise
    e = analyse.effect([0.80, 0.81, 0.82], [0.02, 0.02, 0.02], acc=True)
    assert not e["has_effect"] and e["threshold"] == pytest.approx(0.04)
    # accuracy changes below half a point never count, however small the spread
    assert not analyse.effect([0.900, 0.903], [0.0, 0.0], acc=True)["has_effect"]
    assert analyse.effect([1.0, 1.2], [0.01, 0.02], acc=False)["has_effect"]


def test_one_parameter_at_a_time():
    cfg = {"baseline": {"hidden": 64, "layers": 1, "activation": "relu", "epochs": 5, "loss": "cross_entropy",
                        "optimizer": "adam@0.001", "batch_size": 64}}
    s = settings.setting(cfg["baseline"], "layers", 3)
    assert s["layers"] == 3 and {k: v for k, v in s.items() if k != "layers"} == {
        k: v for k, v in cfg["baseline"].items() if k != "layers"}
    assert settings.spec_of(s) == "fc64-fc64-fc64"


def test_user_csv_is_accepted(tmp_path):
    import pandas as pd
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3))
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=np.where(x[:, 0] > 0, "cat", "dog"))
    df.to_csv(tmp_path / "mine.csv", index=False)
    cfg = {"csv": str(tmp_path / "mine.csv"), "csv_label": "label", "csv_test_fraction": 0.25,
           "split_seed": 0, "seeds": [0],
           "baseline": {"hidden": 8, "layers": 1, "activation": "relu", "epochs": 20, "loss": "cross_entropy",
                        "optimizer": "adam@0.01", "batch_size": 16}}
    train.run_setting("baseline", "base", cfg, None, tmp_path / "run.csv")
    out = pd.read_csv(tmp_path / "run.csv")
    assert out.accuracy.iloc[-1] > 0.8  # the label is a threshold on feature a
