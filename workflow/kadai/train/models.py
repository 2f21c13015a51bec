"""Models built from compact spec strings; see the package docstring for the grammar."""

from __future__ import annotations

import re

import torch
import torch.nn as nn
import torch.nn.functional as F

TOKEN = re.compile(r"^(conv|pool|fc)(\d+)$")


def parse_spec(spec: str) -> list[tuple[str, int]]:
    layers = []
    for tok in spec.split("-"):
        m = TOKEN.match(tok)
        if not m:
            raise ValueError(f"model spec {spec!r}: unknown layer {tok!r} (use convC, poolK, fcH)")
        layers.append((m.group(1), int(m.group(2))))
    return layers


ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu}


class SpecNet(nn.Module):
    """A network built from a spec string; see the module docstring."""

    def __init__(self, spec: str, in_shape=(1, 28, 28), classes: int = 10, activation: str = "relu"):
        super().__init__()
        self.spec = spec
        self.act = ACTIVATIONS[activation]
        self.steps: list[tuple[str, bool]] = []  # (attribute name, apply activation after it)
        c, h, w = in_shape
        n_conv = n_fc = n_pool = 0
        flat = None
        for kind, size in parse_spec(spec):
            if kind == "conv":
                if flat is not None:
                    raise ValueError(f"model spec {spec!r}: conv after fc")
                n_conv += 1
                setattr(self, f"conv{n_conv}", nn.Conv2d(c, size, 3))
                self.steps.append((f"conv{n_conv}", True))
                c, h, w = size, h - 2, w - 2
            elif kind == "pool":
                n_pool += 1
                setattr(self, f"pool{n_pool}", nn.MaxPool2d(size))
                self.steps.append((f"pool{n_pool}", False))
                h, w = h // size, w // size
            else:
                if flat is None:
                    self.flatten = nn.Flatten()
                    self.steps.append(("flatten", False))
                    flat = c * h * w
                n_fc += 1
                setattr(self, f"fc{n_fc}", nn.Linear(flat, size))
                self.steps.append((f"fc{n_fc}", True))
                flat = size
            if h < 1 or w < 1:
                raise ValueError(f"model spec {spec!r}: the image shrank to nothing")
        if flat is None:
            self.flatten = nn.Flatten()
            self.steps.append(("flatten", False))
            flat = c * h * w
        setattr(self, f"fc{n_fc + 1}", nn.Linear(flat, classes))
        self.steps.append((f"fc{n_fc + 1}", False))

    def forward(self, x):
        for name, activate in self.steps:
            x = getattr(self, name)(x)
            if activate:
                x = self.act(x)
        return x


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def summary(model: nn.Module, in_shape=(1, 28, 28)) -> dict:
    """torchinfo's table as data: one row per layer, plus totals (parameters, mult-adds)."""
    import torchinfo
    stats = torchinfo.summary(model, input_size=(1, *in_shape), verbose=0, device="cpu")
    rows = []
    for layer in stats.summary_list:
        if layer.depth == 0:
            continue
        rows.append([f"{layer.class_name}: {layer.depth}-{layer.depth_index}",
                     str(list(layer.output_size)), int(layer.num_params) if layer.num_params else 0,
                     int(layer.macs)])
    return {"rows": rows, "total_params": int(stats.total_params),
            "total_mult_adds": int(stats.total_mult_adds)}
