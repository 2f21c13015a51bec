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
