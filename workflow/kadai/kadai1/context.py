"""課題1 context: the findings plus names and tables, everything the template reads."""

from __future__ import annotations

from .. import checks, figures, fit, raw, submission, tables, verdicts
from ..io import read_json, write_json


def cache_breaks(series: dict, impls: list[str], names: dict) -> dict:
    """The series whose growth changed where B crosses a cache size (``yes``), those where it
    changed near one without crossing it (``near``: cannot tell, also where the change there only
    slowed the fall of the time per operation), and those where it crossed one but the change there
    only slowed that fall (``unsure``), from each break's verdict; ``slack``: how far "near" reaches."""
    def kind(cache):  # a slowed fall keeps what the sizes alone said: crossing or near
        return cache["reason"], cache["numbers"].get("was") if cache["reason"] == "fall_slowed" else None

    def having(*kinds):
        return [names[i] for i in impls
                if any(kind(b["cache"]) in kinds for b in (series[i].get("relation") or {}).get("breaks", []))]
    return {"yes": having(("straddles", None)), "near": having(("near", None), ("fall_slowed", "near")),
            "unsure": having(("fall_slowed", "straddles")), "slack": verdicts.BOUNDARY_SLACK}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    table = raw.load_raw(inputs["raw"])
    summary = raw.summarise(table, settings["timing"]["agreement"])
    series, impls = findings["series"], findings["impls"]
    names = {i: figures.impl_name(i) for i in impls}
    for impl in impls:
        series[impl]["name"] = names[impl]
    short = {i: names[i].removeprefix("Python（").removesuffix("）") for i in impls}
    unsure = findings["measured"]["unconfirmed_sizes"]
    ctx = {
        **findings,
        "op": "matmul",
        "relations": [names[i] for i in impls],
        "table_models": tables.models({names[i]: series[i]["fit"].get("comparison") for i in impls}),
        "table_times": tables.by_size(summary, impls, [("time", "{} 代表値", "s"), ("median", "{} 中央値", "s")],
                                      short, unconfirmed=[(i, n) for i, _, n in unsure]),
        "table_regimes": tables.regimes({names[i]: series[i]["relation"] for i in impls}),
        "sweep": settings["sweep"], "timing": settings["timing"],
        "fit_config": fit.method(settings["fit"]),
        "program": submission.DEPENDS_ON_FILES[0],
        "tolerance": checks.tolerance("float64"),  # what kadai1.measure checks every first run against
        # the results section predicts a change where B outgrows a cache: the series that showed one
        "cache_breaks": cache_breaks(series, impls, names),
        # past the largest fitted regime, stretches whose slope's interval lies wholly above the
        # expected exponent (scaling.relation "beyond"): the regime's verdict does not cover them
        "slower_past_fit": [names[i] for i in impls
                            if any(b["above"] for b in (series[i].get("relation") or {}).get("beyond", []))],
    }
    write_json(out_json, ctx)
    return ctx
