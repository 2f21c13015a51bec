"""Japanese names and colours of the C ladder's steps (figures and context)."""

KERNEL_NAMES = {"ijk": "C: i-j-k", "ikj": "C: i-k-j", "blocked": "C: ブロック化",
                "packed": "C: パック＋SIMD", "packed_omp": "C: パック＋SIMD＋OpenMP"}
NUMPY_NAMES = {"numpy_1thread": "NumPy（1 スレッド）", "numpy_all": "NumPy（全コア）"}
LADDER_STEPS = ["c_ijk", "c_ikj", "c_blocked", "c_packed", "c_packed_omp"]
COLORS = {"c_ijk": "#c7c7c7", "c_ikj": "#9edae5", "c_blocked": "#17becf", "c_packed": "#9467bd",
          "c_packed_omp": "#8c564b"}


def step_name(impl: str) -> str:
    """``c_packed`` → 「C: パック＋SIMD」, ``numpy_1thread`` → 「NumPy（1 スレッド）」."""
    return NUMPY_NAMES.get(impl) or KERNEL_NAMES[impl.removeprefix("c_")]
