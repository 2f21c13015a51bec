"""課題2: matrix product and 3×3 convolution in Python, NumPy, CuPy and PyTorch (CPU/GPU).
Stages: measure → analyse → figures → context."""
