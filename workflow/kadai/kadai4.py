"""課題4: which (hyper)parameters change training time and accuracy — on a dataset made here.

Dataset: the digits 0–9 rendered from the fonts present on this machine (matplotlib's bundled
fonts, the IPAex font of japanize-matplotlib, system fonts), each sample with a random font,
size, rotation, shift, stroke width and noise, 28×28 grey, balanced, deterministic from a seed.
A student's own CSV (feature columns + label column) can replace it through the config.

Study: one parameter at a time around a stated baseline, every setting with several seeds.
Effect rule: a parameter *has an effect* on a quantity when the range of its setting means
exceeds twice the pooled seed-to-seed standard deviation (and, for accuracy, 0.5 points).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import figures, train
from .figures import NO_UNIT, Axis
from .io import atomic_path, read_json, write_csv, write_json

MEASURE_CODE = ("setting", "run_setting", "_load_dataset")
PARAMS = {  # config key → (Japanese name, unit of the setting or None, numeric axis)
    "hidden": ("中間層のノード数", None, True),
    "layers": ("中間層の数", None, True),
    "activation": ("活性化関数", None, False),
    "epochs": ("エポック数", None, True),
    "loss": ("損失関数", None, False),
    "optimizer": ("最適化手法と学習率", None, False),
    "batch_size": ("バッチサイズ", None, True),
}
LABELS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "GELU",
          "cross_entropy": "交差エントロピー", "mse": "二乗誤差（one-hot）"}


# ---------------------------------------------------------------- dataset


def font_files() -> list[str]:
    """Fonts that draw all ten digits: matplotlib's, IPAex Gothic, and the system's."""
    import japanize_matplotlib
    import matplotlib
    from fontTools.ttLib import TTFont

    dirs = [Path(matplotlib.get_data_path()) / "fonts" / "ttf", Path(japanize_matplotlib.__file__).parent / "fonts",
            Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("C:/Windows/Fonts"),
            Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    seen, names, out = set(), set(), []
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.rglob("*")):
            if p.suffix.lower() not in (".ttf", ".otf") or p.name.startswith(("STIXSiz", "LastResort", "cmex", "cmsy")):
                continue
            real = os.path.realpath(p)
            if real in seen:
                continue
            try:
                font = TTFont(real, lazy=True)
                cmap = font.getBestCmap() or {}
                name = font["name"].getDebugName(4) or p.stem
            except Exception:  # noqa: BLE001 - unreadable fonts are skipped
                continue
            seen.add(real)
            if name not in names and all(ord(str(d)) in cmap for d in range(10)):
                names.add(name)  # the same face shipped twice (matplotlib and the OS) counts once
                out.append((name, real))
    return [f for _, f in sorted(out)]


def font_name(path: str) -> str:
    from fontTools.ttLib import TTFont
    return TTFont(path, lazy=True)["name"].getDebugName(4) or Path(path).stem


def render_digit(digit: int, font_path: str, rng: np.random.Generator, aug: dict) -> np.ndarray:
    """One 28×28 uint8 image of ``digit`` (white on black, like MNIST)."""
    from PIL import Image, ImageDraw, ImageFont

    size = int(rng.integers(aug["size_min"], aug["size_max"] + 1))
    font = ImageFont.truetype(font_path, size)
    canvas = Image.new("L", (56, 56), 0)
    draw = ImageDraw.Draw(canvas)
    stroke = int(rng.integers(0, aug["stroke_max"] + 1))
    draw.text((28, 28), str(digit), fill=255, font=font, anchor="mm", stroke_width=stroke, stroke_fill=255)
    canvas = canvas.rotate(float(rng.uniform(-aug["rotate_deg"], aug["rotate_deg"])), resample=Image.BILINEAR)
    box = canvas.getbbox() or (0, 0, 56, 56)
    glyph = canvas.crop(box)
    scale = 20.0 / max(glyph.size)  # fit the glyph into 20×20 like MNIST
    glyph = glyph.resize((max(1, round(glyph.size[0] * scale)), max(1, round(glyph.size[1] * scale))),
                         Image.BILINEAR)
    out = Image.new("L", (28, 28), 0)
    dx, dy = (int(v) for v in rng.integers(-aug["shift_px"], aug["shift_px"] + 1, size=2))
    out.paste(glyph, ((28 - glyph.size[0]) // 2 + dx, (28 - glyph.size[1]) // 2 + dy))
    arr = np.asarray(out, dtype=np.float32) + rng.normal(0, aug["noise_std"], (28, 28))
    return np.clip(arr, 0, 255).astype(np.uint8)


def generate(cfg: dict, out_npz) -> dict:
    """The font-digit dataset: balanced classes, train and test drawn independently."""
    fonts = font_files()
    if not fonts:
        raise RuntimeError("no font with the ten digits was found (matplotlib's fonts should always be there)")
    rng = np.random.default_rng(cfg["seed"])
    parts = {}
    font_use = np.zeros(len(fonts), int)
    for split, per_class in (("train", cfg["train_per_class"]), ("test", cfg["test_per_class"])):
        labels = np.repeat(np.arange(10), per_class)
        rng.shuffle(labels)
        images = np.empty((len(labels), 28, 28), np.uint8)
        for i, d in enumerate(labels):
            f = int(rng.integers(len(fonts)))
            font_use[f] += 1
            images[i] = render_digit(int(d), fonts[f], rng, cfg["augment"])
        parts[f"x_{split}"], parts[f"y_{split}"] = images, labels.astype(np.int64)
    with atomic_path(out_npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **parts, fonts=np.array([Path(f).name for f in fonts]))
    card = {"fonts": [font_name(f) for f in fonts], "font_use": font_use.tolist(), "n_fonts": len(fonts),
            "train": int(len(parts["y_train"])), "test": int(len(parts["y_test"])),
            "per_class_train": np.bincount(parts["y_train"], minlength=10).tolist(),
            "per_class_test": np.bincount(parts["y_test"], minlength=10).tolist()}
    write_json(Path(out_npz).with_suffix(".json"), card)
    return card


def _load_dataset(cfg: dict, npz_path):
    """(x_train, y_train, x_test, y_test, in_shape) as tensors; images or the user's CSV."""
    import torch

    if cfg.get("csv"):
        df = pd.read_csv(cfg["csv"])
        label = cfg.get("csv_label", "label")
        y = pd.factorize(df[label], sort=True)[0]
        x = df.drop(columns=[label]).to_numpy(np.float32)
        x = (x - x.mean(0)) / (x.std(0) + 1e-8)
        rng = np.random.default_rng(cfg["dataset"]["seed"])
        idx = rng.permutation(len(x))
        n_test = max(1, int(len(x) * cfg.get("csv_test_fraction", 0.2)))
        te, tr = idx[:n_test], idx[n_test:]
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
        return t(x[tr]), t(y[tr]), t(x[te]), t(y[te]), (x.shape[1],)
    d = np.load(npz_path)
    dev = torch.device("cpu")
    return (train.normalised(torch.from_numpy(d["x_train"]), dev), torch.from_numpy(d["y_train"]),
            train.normalised(torch.from_numpy(d["x_test"]), dev), torch.from_numpy(d["y_test"]), (1, 28, 28))


# ---------------------------------------------------------------- runs


def setting(cfg: dict, param: str | None, value) -> dict:
    """The baseline with one parameter replaced."""
    s = dict(cfg["baseline"])
    if param is not None:
        s[param] = value
    return s


def spec_of(s: dict) -> str:
    return "-".join([f"fc{s['hidden']}"] * int(s["layers"]))


def run_setting(param: str, value, cfg: dict, npz_path, out_csv, threads: int | None = None) -> pd.DataFrame:
    """Train one setting with every seed; one row per seed × epoch."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    s = setting(cfg, None if param == "baseline" else param, value)
    x, y, tx, ty, in_shape = _load_dataset(cfg, npz_path)
    classes = int(max(int(y.max()), int(ty.max())) + 1)
    opt, lr = (s["optimizer"].split("@") + [None])[:2]
    rows = []
    for seed in cfg["seeds"]:
        torch.manual_seed(seed)
        model = train.SpecNet(spec_of(s), in_shape=in_shape if len(in_shape) == 3 else (in_shape[0], 1, 1),
                              classes=classes, activation=s["activation"])
        xx, txx = (x, tx) if len(in_shape) == 3 else (x[:, :, None, None], tx[:, :, None, None])
        t0 = time.perf_counter()
        hist = train.train_fast(model, xx, y, txx, ty, epochs=int(s["epochs"]), batch_size=int(s["batch_size"]),
                                seed=seed, device=torch.device("cpu"), loss=s["loss"], optimizer=opt,
                                lr=float(lr) if lr else None,
                                progress=lambda m, seed=seed: print(f"[kadai4/{param}={value}/s{seed}] {m}"))
        total = time.perf_counter() - t0
        for h in hist:
            rows.append({**h, "seed": seed, "param": param, "value": str(value),
                         "params": train.param_count(model), "run_s": total})
    df = pd.DataFrame(rows)
    write_csv(out_csv, df)
    return df


# ---------------------------------------------------------------- analysis


def effect(means, sds, acc: bool) -> dict:
    """The stated rule: range of setting means vs twice the pooled seed-to-seed SD."""
    means, sds = np.asarray(means, float), np.nan_to_num(np.asarray(sds, float))
    rng_ = float(means.max() - means.min())
    pooled = float(np.sqrt(np.mean(sds**2)))
    threshold = max(2 * pooled, 0.005 if acc else 0.0)
    return {"range": rng_, "pooled_sd": pooled, "threshold": threshold, "ratio": rng_ / threshold if threshold else
            float("inf"), "has_effect": bool(rng_ > threshold)}


def summarise(run_paths, cfg: dict) -> dict:
    runs = pd.concat([pd.read_csv(p, dtype={"value": str}) for p in run_paths], ignore_index=True)
    base = runs[runs.param == "baseline"]
    out = {}
    for param in cfg["study"]:
        values = [str(v) for v in cfg["study"][param]]
        rows = []
        for v in values:
            if param == "epochs":
                # one long run per seed gives every epoch count: accuracy after epoch v, time of epochs 1..v
                g = runs[(runs.param == "epochs") & (runs.epoch <= int(v))]
                per_seed = g.groupby("seed").agg(acc=("accuracy", "last"), time=("train_s", "sum"))
                params_n = int(g.params.iloc[0])
            else:
                g = base if str(cfg["baseline"][param]) == v else runs[(runs.param == param) & (runs.value == v)]
                last = g[g.epoch == g.epoch.max()]
                per_seed = last.set_index("seed")[["accuracy"]].rename(columns={"accuracy": "acc"})
                per_seed["time"] = g.groupby("seed").train_s.sum()
                params_n = int(g.params.iloc[0])
            rows.append({"value": v, "label": LABELS.get(v, v), "acc": float(per_seed.acc.mean()),
                         "acc_sd": float(per_seed.acc.std()), "time": float(per_seed.time.mean()),
                         "time_sd": float(per_seed.time.std()), "params": params_n, "seeds": int(len(per_seed))})
        df = pd.DataFrame(rows).fillna({"acc_sd": 0.0, "time_sd": 0.0})
        out[param] = {"name": PARAMS[param][0], "numeric": PARAMS[param][2], "rows": df.to_dict("records"),
                      "acc_effect": effect(df.acc, df.acc_sd, True), "time_effect": effect(df.time, df.time_sd, False),
                      "best": df.loc[df.acc.idxmax()].to_dict(), "worst": df.loc[df.acc.idxmin()].to_dict(),
                      "fastest": df.loc[df.time.idxmin()].to_dict(), "slowest": df.loc[df.time.idxmax()].to_dict()}
    return out


def draw_figures(run_paths, npz_path, cfg: dict, out_dir) -> None:
    out_dir = Path(out_dir)
    study = summarise(run_paths, cfg)
    for param, st in study.items():
        df = pd.DataFrame(st["rows"])
        xaxis = Axis(st["name"], NO_UNIT, "log" if param in ("hidden", "batch_size") else "linear")
        fig, axes = figures.new_figure(xaxis, Axis("テスト精度", "%"), width=8.4, height=3.4,
                                       panels=[(xaxis, Axis("テスト精度", "%")), (xaxis, Axis("学習時間", "s"))])
        xs = df.value.astype(float) if st["numeric"] else np.arange(len(df))
        for ax, col, scale, color in ((axes[0], "acc", 100.0, "#1f77b4"), (axes[1], "time", 1.0, "#d62728")):
            ax.errorbar(xs, scale * df[col], yerr=scale * df[f"{col}_sd"], fmt="o-" if st["numeric"] else "o",
                        capsize=3, color=color)
            if not st["numeric"]:
                ax.set_xticks(xs)
                ax.set_xticklabels(df.label, fontsize=8, rotation=10)
            elif param in ("hidden", "batch_size"):
                ax.set_xticks(xs)
                ax.set_xticklabels([str(int(v)) for v in xs])
                ax.minorticks_off()
        axes[1].set_ylim(bottom=0)
        figures.save(fig, out_dir / f"param_{param}.svg", caption=st["name"])

    fig, ax = figures.new_figure(Axis("パラメータ", NO_UNIT),
                                 Axis("効果の大きさ（平均の範囲 ÷ 判定の閾値）", NO_UNIT, "log"), width=7.0, height=3.8)
    names = [study[p]["name"] for p in study]
    xs = np.arange(len(names))
    for shift, key, label, color in ((-0.2, "acc_effect", "テスト精度", "#1f77b4"),
                                     (0.2, "time_effect", "学習時間", "#d62728")):
        ax.bar(xs + shift, [max(study[p][key]["ratio"], 1e-2) for p in study], 0.4, label=label, color=color)
    ax.axhline(1.0, color="k", ls="--", lw=1, label="判定の閾値（これを超えると影響あり）")
    ax.set_xticks(xs)
    ax.set_xticklabels(names, fontsize=7, rotation=20)
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax, ncol=3, offset=0.3)  # below the rotated parameter names
    figures.save(fig, out_dir / "effects.svg", caption="効果の大きさ")

    d = np.load(npz_path)
    fig, ax = figures.new_figure(Axis("クラス（数字）", NO_UNIT), Axis("サンプル（各列 8 枚）", NO_UNIT),
                                 width=6.0, height=3.6)
    grid = np.zeros((8 * 28, 10 * 28), np.uint8)
    for k in range(10):
        idx = np.flatnonzero(d["y_train"] == k)[:8]
        for j, i in enumerate(idx):
            grid[j * 28:(j + 1) * 28, k * 28:(k + 1) * 28] = d["x_train"][i]
    ax.imshow(grid, cmap="gray", vmin=0, vmax=255)
    ax.set_xticks([14 + 28 * k for k in range(10)])
    ax.set_xticklabels([str(k) for k in range(10)])
    ax.set_yticks([])
    ax.grid(False)
    figures.save(fig, out_dir / "samples.svg", caption="データセットの例")


def build_context(run_paths, card_json, cfg: dict, out_json) -> dict:
    study = summarise(run_paths, cfg)
    card = read_json(card_json) if not cfg.get("csv") else None
    ranking = sorted(study, key=lambda p: -study[p]["acc_effect"]["ratio"])

    def table(param):
        st = study[param]
        return {"columns": [{"name": st["name"], "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                            {"name": "テスト精度", "unit": "%", "kind": "percent"},
                            {"name": "精度の標準偏差", "unit": "%", "kind": "percent"},
                            {"name": "学習時間", "unit": "s", "kind": "sig"},
                            {"name": "時間の標準偏差", "unit": "s", "kind": "sig"}],
                "rows": [[r["label"], r["params"], r["acc"], r["acc_sd"], r["time"], r["time_sd"]]
                         for r in st["rows"]]}

    effects = {"columns": [{"name": "パラメータ", "kind": "text"},
                           {"name": "精度の平均の範囲", "unit": "ポイント", "kind": "percent"},
                           {"name": "精度の閾値", "unit": "ポイント", "kind": "percent"},
                           {"name": "精度への影響", "kind": "text"},
                           {"name": "時間の平均の範囲", "unit": "s", "kind": "sig"},
                           {"name": "時間の閾値", "unit": "s", "kind": "sig"},
                           {"name": "時間への影響", "kind": "text"}],
               "rows": [[study[p]["name"], study[p]["acc_effect"]["range"], study[p]["acc_effect"]["threshold"],
                         "あり" if study[p]["acc_effect"]["has_effect"] else "なし",
                         study[p]["time_effect"]["range"], study[p]["time_effect"]["threshold"],
                         "あり" if study[p]["time_effect"]["has_effect"] else "なし"] for p in ranking]}
    hidden = study.get("hidden")
    prop = None
    if hidden:
        r = sorted(hidden["rows"], key=lambda r: r["params"])
        prop = {"p_lo": r[0]["params"], "p_hi": r[-1]["params"], "t_lo": r[0]["time"], "t_hi": r[-1]["time"],
                "v_lo": r[0]["value"], "v_hi": r[-1]["value"]}
    fonts_table = None
    if card:
        fonts_table = {"columns": [{"name": "フォント", "kind": "text"}, {"name": "使用枚数", "kind": "int"}],
                       "rows": [[f, n] for f, n in zip(card["fonts"], card["font_use"])]}
    ctx = {"cfg": cfg, "study": study, "tables": {p: table(p) for p in study}, "effects": effects,
           "fonts_table": fonts_table,
           "ranking": ranking, "card": card, "spec": spec_of(cfg["baseline"]), "proportional": prop,
           "with_effect_acc": [study[p]["name"] for p in ranking if study[p]["acc_effect"]["has_effect"]],
           "without_effect_acc": [study[p]["name"] for p in ranking if not study[p]["acc_effect"]["has_effect"]]}
    write_json(out_json, ctx)
    return ctx
