"""One parameter at a time: a setting is the baseline with one parameter replaced."""

from __future__ import annotations


def setting(baseline: dict, param: str | None, value) -> dict:
    """The baseline with one parameter replaced."""
    s = dict(baseline)
    if param is not None:
        s[param] = value
    return s


def spec_of(s: dict) -> str:
    return "-".join([f"fc{s['hidden']}"] * int(s["layers"]))
