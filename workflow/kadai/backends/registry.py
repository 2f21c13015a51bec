"""Every implementation 課題2 can measure: its library, device, whether the timed region
includes the host↔device copies, and the module that holds its kernels.

Pure data: the Snakefile passes each entry to its measurement job as a parameter, so editing
one entry reruns exactly that implementation's series.
"""

IMPLEMENTATIONS = {
    "python_naive": {"library": "python", "device": "cpu", "transfer": False, "kernels": "kadai.backends.python"},
    "numpy": {"library": "numpy", "device": "cpu", "transfer": False, "kernels": "kadai.backends.xp"},
    "torch_cpu": {"library": "torch", "device": "cpu", "transfer": False, "kernels": "kadai.backends.torch_ops"},
    "cupy": {"library": "cupy", "device": "cuda", "transfer": False, "kernels": "kadai.backends.xp"},
    "cupy_transfer": {"library": "cupy", "device": "cuda", "transfer": True, "kernels": "kadai.backends.xp"},
    "torch_cuda": {"library": "torch", "device": "cuda", "transfer": False, "kernels": "kadai.backends.torch_ops"},
    "torch_cuda_transfer": {"library": "torch", "device": "cuda", "transfer": True,
                            "kernels": "kadai.backends.torch_ops"},
}


def ordered(impls) -> list[str]:
    """Implementations in the registry's order (the order of every table and legend)."""
    order = list(IMPLEMENTATIONS)
    return sorted(impls, key=order.index)
