"""torchinfo summaries of every model of 課題3 (layers, output shapes, parameters, mult-adds)."""

from __future__ import annotations

from ..io import write_json
from ..train import models


def run(specs, out_json) -> dict:
    out = {s: models.summary(models.SpecNet(s)) for s in specs}
    write_json(out_json, out)
    return out
