"""課題4's dataset: the digits 0–9 rendered from the fonts present on this machine.

matplotlib's bundled fonts, the IPAex font of japanize-matplotlib and system fonts; each sample
with a random font, size, rotation, shift, stroke width and noise, 28×28 grey, balanced,
deterministic from a seed. The data card (fonts, counts) is written beside the archive.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..io import atomic_path, write_json


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
