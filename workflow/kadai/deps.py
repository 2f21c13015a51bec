"""What a job runs, derived from the import graph: the file inputs that decide when it reruns.

A rule that measures or trains must rerun when any code it executes changes, and only then. Its
code inputs are therefore computed, never listed by hand:

1. start from the rule's entry script (``workflow/scripts/<rule>.py``) and any module the job
   imports dynamically (for 課題2 the kernel module named by the implementation registry);
2. parse each file with :mod:`ast` (nothing is imported, so the Snakefile stays fast) and
   collect every ``import kadai…`` / ``from . import …`` anywhere in it, functions included;
3. follow those imports transitively inside the ``kadai`` package, adding each package's
   ``__init__.py`` (it runs on import);
4. add the non-Python files a module declares it reads, as a literal module-level tuple
   ``DEPENDS_ON_FILES = ("workflow/…",)`` written next to the code that opens them.

Because measurement, analysis and drawing live in separate modules, a comment in figure code
is not in a measurement's closure and re-measures nothing, while a helper that measurement code
starts to call is in the closure the moment the import is written.

A job's inputs are not the package modules themselves but their *signatures*
(:func:`signature`): one small file per module, ``.snakemake/kadai-code/<path>.sig``, holding a
digest of what the module executes (its syntax tree without docstrings; comments and layout are
not in the tree). The file is rewritten, and so made newer than the results, only when that
digest changes, so a comment, a docstring or a reformatting re-measures nothing, while any change
to what the code does reruns every job that executes it. A module that reads a docstring
(``__doc__``) keeps its docstrings in the digest. The declared non-Python files stay inputs as
they are.
"""

from __future__ import annotations

import ast
import atexit
import copy
import hashlib
import os
from functools import cache
from pathlib import Path

from . import cache as disk
from .io import write_text

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "workflow"
PACKAGE = "kadai"


def module_path(name: str) -> Path | None:
    """The file of module ``name`` (``kadai.x.y``) inside the library, or None."""
    base = LIB.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join(anchor + ([node.module] if node.module else []))


def _version(path) -> tuple[Path, int, int]:
    """``path`` with its modification time and size: the key under which its parse is cached (the
    Snakefile asks for the closure of every rule, and most modules lie in many closures)."""
    st = Path(path).stat()
    return Path(path), st.st_mtime_ns, st.st_size


@cache
def _parsed(path: Path, mtime_ns: int, size: int) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imports_in(path: Path, module: str = "") -> set[str]:
    """Modules of the package named by any import statement in ``path`` (anywhere in the file)."""
    return set(_imports_in(*_version(path), module))


# What parsing found, kept on disk for the next Snakemake start (parsing every module costs ≈ 0.2 s
# of each start), keyed by the file's version, so an edited file is parsed again (kadai.cache).
# Saved at exit: input functions ask for code files while Snakemake builds its DAG.
_FOUND = disk.Table("deps")
atexit.register(_FOUND.save)


@cache
def _imports_in(path: Path, mtime_ns: int, size: int, module: str) -> frozenset[str]:
    def parse() -> list[str]:
        is_package = path.name == "__init__.py"
        found: set[str] = set()
        for node in ast.walk(_parsed(path, mtime_ns, size)):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, module, is_package)
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import submodule`
        return sorted(n for n in found if n.split(".")[0] == PACKAGE)

    names = _FOUND.derived(f"{disk.version_key(path, mtime_ns, size)}|imports {module}", parse)
    # whether a name is a module is asked every time: a module added later joins the closure
    return frozenset(n for n in names if module_path(n))


def declared_files(path: Path) -> tuple[str, ...]:
    """The literal ``DEPENDS_ON_FILES`` tuple of a module (repository-relative paths)."""
    return _declared_files(*_version(path))


@cache
def _declared_files(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    def parse() -> list[str]:
        for node in _parsed(path, mtime_ns, size).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DEPENDS_ON_FILES"
                                                    for t in node.targets):
                return list(ast.literal_eval(node.value))
        return []

    return tuple(_FOUND.derived(f"{disk.version_key(path, mtime_ns, size)}|DEPENDS_ON_FILES", parse))


@cache
def _closure(modules: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run too
        todo += sorted(imports_in(module_path(name), name))
    return tuple(sorted(seen))


def closure(*modules: str) -> list[str]:
    """Every package module that importing ``modules`` executes, sorted."""
    missing = [m for m in modules if not module_path(m)]
    if missing:
        raise ModuleNotFoundError(f"no module {', '.join(missing)} under {LIB}")
    return list(_closure(tuple(sorted(modules))))


def code_files(script: str | Path | None = None, *modules: str, signed: bool = False) -> list[str]:
    """Repository-relative files a job executes: ``script`` (a file outside the package, such as
    a rule's entry script), the modules it and ``modules`` import, and their declared files.
    ``signed``: each module as its :func:`signature` instead (a job's inputs)."""
    roots = set(modules)
    if script is not None:
        roots |= imports_in(ROOT / script)
    files: list[str] = []
    for name in closure(*roots):
        path = module_path(name)
        rel = path.relative_to(ROOT).as_posix()
        files.append(signature(rel) if signed else rel)
        files += declared_files(path)
    return sorted(set(files))


SIGNATURES = ".snakemake/kadai-code"  # where the signature of each module is kept (repository-relative)


def _without_docstrings(tree: ast.Module) -> ast.Module:
    """``tree`` with the docstring of the module and of every class and function taken out."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def digest(path: Path) -> str:
    """What module ``path`` executes, as a SHA-256 of its syntax tree (no positions, no comments;
    no docstrings unless the module reads ``__doc__``)."""
    return _digest(*_version(path))


@cache
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    def derive() -> str:
        tree = copy.deepcopy(_parsed(path, mtime_ns, size))  # a tree of its own: the cached one is shared
        reads_doc = any((isinstance(node, ast.Name) and node.id == "__doc__")
                        or (isinstance(node, ast.Attribute) and node.attr == "__doc__") for node in ast.walk(tree))
        if not reads_doc:
            tree = _without_docstrings(tree)
        return hashlib.sha256(ast.dump(tree).encode()).hexdigest()

    return _FOUND.derived(f"{disk.version_key(path, mtime_ns, size)}|digest", derive)


def signature(rel: str) -> str:
    """The input that stands for module ``rel`` (repository-relative) in a job:
    ``.snakemake/kadai-code/<rel>.sig``, holding :func:`digest`. Rewritten only when the digest
    changes: then with the time of the change (now, or the module's own modification time if that
    is later), so the jobs that execute the module rerun. A signature made for the first time (a
    new checkout, a deleted ``.snakemake``) gets the module's modification time, so results made
    after the module's last edit stay current, as they would with the module as the input."""
    path = ROOT / rel
    sig = ROOT / SIGNATURES / f"{rel}.sig"
    text = digest(path) + "\n"
    try:
        old = sig.read_text(encoding="utf-8")
    except OSError:
        old = None
    if old != text:
        sig.parent.mkdir(parents=True, exist_ok=True)
        write_text(sig, text)
        changed = path.stat().st_mtime_ns
        if old is not None:
            changed = max(changed, sig.stat().st_mtime_ns)  # the write's own time: now
        os.utime(sig, ns=(changed, changed))
    return sig.relative_to(ROOT).as_posix()

