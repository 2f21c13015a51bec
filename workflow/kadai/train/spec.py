"""Model specs and optimiser strings, read without torch.

The configuration check runs these before any job (a spec that cannot be built stops the build
naming its key), and :class:`kadai.train.models.SpecNet` builds its layers from the same plan, so
the two can never disagree about what a spec means.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"^(conv|pool|fc)(\d+)$")
KERNEL = 3  # every convC is a 3×3 convolution without padding
OPTIMIZERS = ("adam", "sgd")


class SpecError(ValueError):
    pass


def parse_spec(spec: str) -> list[tuple[str, int]]:
    """``conv4-conv4-fc128`` → [("conv", 4), ("conv", 4), ("fc", 128)]."""
    layers = []
    for tok in str(spec).split("-"):
        m = TOKEN.match(tok)
        if not m:
            raise SpecError(f"model spec {spec!r}: unknown layer {tok!r} (use convC, poolK, fcH)")
        size = int(m.group(2))
        if size < 1:
            raise SpecError(f"model spec {spec!r}: {tok!r} has size 0 (channels, pool size and units are ≥ 1)")
        layers.append((m.group(1), size))
    return layers


def plan(spec: str, in_shape=(1, 28, 28)) -> list[dict]:
    """The layers of ``spec`` with their input and output shapes (c, h, w), or flat sizes after
    the first ``fc``. Raises :class:`SpecError` when the spec cannot act on ``in_shape``."""
    c, h, w = in_shape
    flat = None
    out = []
    for kind, size in parse_spec(spec):
        before = (c, h, w) if flat is None else flat
        if kind == "conv":
            if flat is not None:
                raise SpecError(f"model spec {spec!r}: conv after fc (convolutions come first)")
            c, h, w = size, h - (KERNEL - 1), w - (KERNEL - 1)
        elif kind == "pool":
            if flat is not None:
                raise SpecError(f"model spec {spec!r}: pool after fc (pooling comes before the fc layers)")
            h, w = h // size, w // size
        else:
            flat = size
        if h < 1 or w < 1:
            raise SpecError(f"model spec {spec!r}: the {in_shape[1]}×{in_shape[2]} image shrinks to "
                            f"nothing at {kind}{size} (fewer conv or smaller pool layers)")
        out.append({"kind": kind, "size": size, "in": before, "out": (c, h, w) if flat is None else flat})
    return out


def parse_optimizer(text: str) -> tuple[str, float | None]:
    """``adam@0.001`` → ("adam", 0.001); ``sgd`` → ("sgd", None): the optimiser's default rate."""
    name, at, lr = str(text).partition("@")
    if name not in OPTIMIZERS:
        raise SpecError(f"optimizer {text!r}: unknown name {name!r} (use {' or '.join(OPTIMIZERS)}, e.g. adam@0.001)")
    if not at:
        return name, None
    try:
        rate = float(lr)
    except ValueError:
        raise SpecError(f"optimizer {text!r}: the learning rate {lr!r} is not a number (e.g. adam@0.001)") from None
    if not rate > 0 or rate > 10:
        raise SpecError(f"optimizer {text!r}: the learning rate must be > 0 and ≤ 10")
    return name, rate
