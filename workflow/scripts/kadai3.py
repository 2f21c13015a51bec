# Thin entry point for the 課題3 rules; the work is done in kadai.kadai3.
from pathlib import Path

from kadai import kadai3
from kadai.io import tee_log

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    if sm.rule == "kadai3_train":
        kadai3.run_training(sm.wildcards.model, int(sm.wildcards.seed), sm.params.cfg, sm.output[0], sm.threads)
    elif sm.rule == "kadai3_loader":
        kadai3.run_loader(int(sm.wildcards.seed), sm.params.cfg, sm.output[0], sm.threads)
    elif sm.rule == "kadai3_summaries":
        kadai3.model_summaries(sm.params.models, sm.output[0])
    elif sm.rule == "kadai3_figures":
        kadai3.draw_figures(sm.input.runs, sm.input.loader, sm.input.models, sm.params.cfg,
                            Path(sm.output[0]).parent)
    elif sm.rule == "kadai3_context":
        kadai3.build_context(sm.input.runs, sm.input.loader, sm.input.models, sm.params.cfg, sm.output[0])
    else:
        raise ValueError(f"workflow/scripts/kadai3.py does not handle rule {sm.rule}")
