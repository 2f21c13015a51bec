# Shared helpers (no rules here: snakemake --lint wants functions apart from rules).

ENV = "../../environment.yml"  # `snakemake --sdm conda` builds this environment for every rule

FIGURES = {}  # report -> figure SVGs its template shows (each rule file adds its own)
SOURCES = {}  # report -> source files its template quotes as listings
TEMPLATE_PARTIALS = sorted(str(p) for p in Path("templates").glob("_*.j2"))


def src(*modules):
    """The library modules a rule runs, as inputs, so editing one reruns that rule."""
    return [f"workflow/kadai/{m}.py" for m in modules] + ["workflow/kadai/io.py"]


wildcard_constraints:
    report="|".join(REPORTS),


def src_measure(*modules):
    """File inputs of a measurement: the harness only. The assignment's own code is tracked per
    series by ``measure_digest`` (a param), so that editing one kernel reruns only its series."""
    return [f"workflow/kadai/{m}.py" for m in ("measure", "io", "codedigest", *modules)]


def kadai2_series_digest(op, impl):
    """課題2 series fingerprint: its kernel, the registry, the check (and its reference)."""
    backends = "workflow/kadai/backends.py"
    shared = ["availability", "cupy_status", "torch_cuda_status", "rel_error", "tolerance"]
    if op == "conv":
        shared += ["conv2d_reference", "conv2d_xp"]
    return measure_digest(
        "workflow/kadai/kadai2.py", KERNELS[(op, impl)], *[(backends, f) for f in shared]
    )
