# Thin entry point for the 課題4 rules; the work is done in kadai.kadai4.
from pathlib import Path

from kadai import kadai4
from kadai.io import tee_log

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    if sm.rule == "kadai4_dataset":
        kadai4.generate(sm.params.cfg, sm.output.npz)
    elif sm.rule == "kadai4_train":
        value = sm.wildcards.value
        kadai4.run_setting(sm.wildcards.param, value if not value.isdigit() else int(value), sm.params.cfg,
                           sm.input.data, sm.output[0], sm.threads)
    elif sm.rule == "kadai4_figures":
        kadai4.draw_figures(sm.input.runs, sm.input.data, sm.params.cfg, Path(sm.output[0]).parent)
    elif sm.rule == "kadai4_context":
        kadai4.build_context(sm.input.runs, sm.input.card, sm.params.cfg, sm.output[0])
    else:
        raise ValueError(f"workflow/scripts/kadai4.py does not handle rule {sm.rule}")
