# Thin entry point for the 課題1 rules; the work is done in kadai.kadai1.
from kadai import kadai1
from kadai.io import tee_log

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    if sm.rule == "kadai1_measure":
        kadai1.run_measure(sm.wildcards.variant, sm.params.sweep, sm.output[0])
    elif sm.rule == "kadai1_fit":
        kadai1.run_fits(sm.input.raw, sm.params.fit, sm.output[0])
    elif sm.rule == "kadai1_figures":
        kadai1.draw_figures(sm.input.raw, sm.input.fits, "results/kadai1/fig")
    elif sm.rule == "kadai1_context":
        kadai1.build_context(sm.input.raw, sm.input.fits, sm.params.sweep, sm.params.fit,
                             sm.output[0])
    else:
        raise ValueError(f"workflow/scripts/kadai1.py does not handle rule {sm.rule}")
