"""Models built from compact spec strings; see the package docstring for the grammar."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .spec import KERNEL, parse_spec, plan

__all__ = ["SpecNet", "param_count", "parse_spec", "summary"]

ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu}


def features(shape) -> int:
    """Inputs of a Linear layer after ``shape``: c·h·w for an image, the count for features."""
    return math.prod(shape) if isinstance(shape, tuple) else int(shape)


class SpecNet(nn.Module):
    """A network built from a spec string; see the module docstring."""

    def __init__(self, spec: str, in_shape=(1, 28, 28), classes: int = 10, activation: str = "relu"):
        super().__init__()
        self.spec = spec
        self.act = ACTIVATIONS[activation]
        self.steps: list[tuple[str, bool]] = []  # (attribute name, apply activation after it)
        counts = {"conv": 0, "pool": 0, "fc": 0}
        shape = in_shape  # (c, h, w) until the first fc, then the number of features
        for layer in plan(spec, in_shape):
            kind, size = layer["kind"], layer["size"]
            counts[kind] += 1
            name = f"{kind}{counts[kind]}"
            if kind == "fc" and isinstance(shape, tuple):
                self.flatten = nn.Flatten()
                self.steps.append(("flatten", False))
            if kind == "conv":
                module = nn.Conv2d(shape[0], size, KERNEL)
            elif kind == "pool":
                module = nn.MaxPool2d(size)
            else:
                module = nn.Linear(features(shape), size)
            setattr(self, name, module)
            self.steps.append((name, kind != "pool"))
            shape = layer["out"]
        if isinstance(shape, tuple):
            self.flatten = nn.Flatten()
            self.steps.append(("flatten", False))
        setattr(self, f"fc{counts['fc'] + 1}", nn.Linear(features(shape), classes))
        self.steps.append((f"fc{counts['fc'] + 1}", False))
        # Convolutions with a few channels run faster on the CPU with images stored channel-last
        # (NHWC: oneDNN needs no reordering); the same arithmetic, so the same model.
        self.channels_last = counts["conv"] > 0
        if self.channels_last:
            self.to(memory_format=torch.channels_last)

    def forward(self, x):
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
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
