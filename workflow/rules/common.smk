# Shared helpers (no rules here: snakemake --lint wants functions apart from rules).
from kadai import deps, fonts, tools

# the compiler, valgrind, objdump and GPU as found now: a parameter of the jobs that use them, so
# installing one later reruns exactly those jobs (kadai.tools)
TOOLS = tools.fingerprint()
# the faces the PDFs are set in (kadai.fonts): installing a missing one remakes the reports
FONTS = fonts.summary(fonts.choose())
ENV = "../../environment.yml"  # `snakemake --sdm conda` builds this environment for every rule

# report → what its stages read (filled in by workflow/rules/<report>.smk), keyed
#   "analyse"        named inputs of its analysis
#   "figures"        its figure names (results/<report>/fig/<name>.svg)
#   "figure_inputs"  named inputs of every figure (findings.json is added)
#   "context"        named inputs of its context (findings.json and sysinfo.json are added)
#   "settings"       the config values its analysis, figures and context read
#   "sources"        files its template quotes as listings
STAGES = {}
TEMPLATE_PARTIALS = sorted(str(p) for p in Path("templates").glob("_*.j2"))


def code(script, *modules):
    """The code inputs of a rule's job: everything the entry script ``script``
    (workflow/scripts/<script>.py) and ``modules`` import, derived from the import graph, each
    package module as its signature (a comment or docstring edit reruns nothing; kadai.deps)."""
    return deps.code_files(f"workflow/scripts/{script}.py", *modules, signed=True)


def figure_files(report):
    return [f"results/{report}/fig/{name}.svg" for name in STAGES[report]["figures"]]
