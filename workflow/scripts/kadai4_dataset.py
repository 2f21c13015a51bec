# rule kadai4_dataset: digits rendered from this machine's fonts → .npz (+ data card)
from kadai.io import job
from kadai.kadai4 import dataset

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    dataset.generate(sm.params.dataset, sm.output.npz)
