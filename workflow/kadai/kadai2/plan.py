"""What the 課題2 report is made of (read by the Snakefile; no measurement code imports it)."""

OPS = {"matmul": "行列積", "conv": "畳み込み"}
FIGURES = ("time_matmul", "time_conv", "per_op_matmul", "per_op_conv", "speedup", "torch_conv", "numpy_conv",
           "gpu_transfer")
EXPLAIN = ("torch_conv", "torch_onednn", "numpy_conv")  # experiments that explain surprises (kadai2/explain.py)
SOURCES = ("workflow/kadai/backends/xp.py", "workflow/kadai/backends/python.py",
           "workflow/kadai/backends/torch_ops.py")
