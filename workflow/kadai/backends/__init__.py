"""Kernels of 課題2, one module per library, and the registry of implementations.

* ``xp``: array-module kernels taking ``xp`` (``numpy`` or ``cupy``): the very same function runs
  on the CPU with NumPy (and in CI) and on the GPU with CuPy.
* ``torch_ops``: PyTorch kernels on tensors already on their device (CPU or CUDA).
* ``python``: pure Python (the 課題1 submission's ``matmul_naive`` and a 4-loop convolution).
* ``registry``: which implementation uses which library, device and kernel module (pure data).
* ``availability``: whether an implementation can run on this machine, and why not.

Convolution follows the deep-learning convention (``torch.nn.functional.conv2d``): a
cross-correlation, the kernel is *not* flipped. ``valid`` gives (N−2)×(N−2) outputs for a 3×3
kernel, ``same`` zero-pads to N×N.
"""
