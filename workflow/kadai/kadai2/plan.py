"""What the 課題2 report is made of (read by the Snakefile; no measurement code imports it)."""

OPS = {"matmul": "行列積", "conv": "畳み込み"}
FIGURES = ("time_matmul", "time_conv", "per_op_matmul", "per_op_conv", "speedup", "torch_conv", "numpy_conv",
           "gpu_transfer")
EXPLAIN = ("torch_conv", "torch_onednn", "numpy_conv")  # experiments that explain surprises (kadai2/explain.py)
# the settings each experiment reads: changing one experiment's settings reruns that experiment alone
EXPLAIN_KEYS = {"torch_conv": ("torch_sizes", "torch_rounds"), "torch_onednn": ("onednn_sizes", "onednn_rounds"),
                "numpy_conv": ("n_min", "n_max", "points_per_octave", "rounds")}
SOURCES = ("workflow/kadai/backends/xp.py", "workflow/kadai/backends/python.py",
           "workflow/kadai/backends/torch_ops.py")


def explain_settings(cfg: dict, experiment: str) -> dict:
    """The part of ``kadai2.explain`` that ``experiment`` reads (:data:`EXPLAIN_KEYS`)."""
    return {k: cfg[k] for k in EXPLAIN_KEYS[experiment]}
