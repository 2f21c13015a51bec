"""What the 課題2 report is made of (read by the Snakefile; no measurement code imports it)."""

OPS = {"matmul": "行列積", "conv": "畳み込み"}
FIGURES = ("time_matmul", "time_conv", "gflops_matmul", "gflops_conv", "speedup", "gpu_transfer")
SOURCES = ("workflow/kadai/backends/xp.py", "workflow/kadai/backends/python.py",
           "workflow/kadai/backends/torch_ops.py")
