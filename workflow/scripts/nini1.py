# Thin entry point for the 任意課題1 rules; the work is done in kadai.nini1.
from pathlib import Path

from kadai import nini1
from kadai.io import read_json, tee_log

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    if sm.rule == "nini1_build":
        nini1.build(sm.wildcards.build, sm.output.lib, sm.output.info)
    elif sm.rule == "nini1_driver":
        nini1.build_driver(sm.output[0])
    elif sm.rule == "nini1_measure":
        nini1.run_measure(sm.wildcards.experiment, sm.params.libs, sm.params.cfg, sm.output[0])
    elif sm.rule == "nini1_cachegrind":
        nini1.run_cachegrind(sm.input.driver, sm.params.cfg, sm.output[0])
    elif sm.rule == "nini1_figures":
        nini1.draw_figures(Path(sm.input.raw[0]).parent, sm.input.sysinfo, sm.params.ladder_n,
                           Path(sm.output[0]).parent)
    elif sm.rule == "nini1_context":
        builds = {read_json(p)["variant"]: read_json(p) for p in sm.input.builds}
        nini1.build_context(Path(sm.input.raw[0]).parent, builds, sm.input.cache, sm.input.sysinfo,
                            sm.params.cfg, sm.output[0])
    else:
        raise ValueError(f"workflow/scripts/nini1.py does not handle rule {sm.rule}")
