# Thin entry point for the 課題2 rules; the work is done in kadai.kadai2.
from kadai import kadai2
from kadai.io import tee_log

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    if sm.rule == "kadai2_measure":
        kadai2.run_measure(sm.wildcards.op, sm.wildcards.impl, sm.params.settings, sm.output[0])
    elif sm.rule == "kadai2_fit":
        kadai2.run_fits(sm.input.raw, sm.params.fit, sm.output[0])
    elif sm.rule == "kadai2_figures":
        kadai2.draw_figures(sm.input.raw, sm.input.fits, sm.output[0], sm.params.padding)
    elif sm.rule == "kadai2_context":
        kadai2.build_context(sm.input.raw, sm.input.fits, sm.params.settings, sm.params.fit, sm.output[0])
    else:
        raise ValueError(f"workflow/scripts/kadai2.py does not handle rule {sm.rule}")
