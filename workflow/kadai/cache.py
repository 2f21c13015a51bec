"""On-disk caches of things derived from files that rarely change, for Snakemake's start and the
two render jobs (a template edit → PDF): the import analysis of :mod:`kadai.deps`, the compiled
Jinja templates of :mod:`kadai.render` and the character maps of the fonts :mod:`kadai.rubric`
checks. Each entry is keyed by what it was derived from (a file's path, modification time and
size, or a template's source checksum), so an edit is never answered from the cache, and a lost
or corrupt cache only costs the time to derive it again. Nothing here is a job's input or output.

The folder is ``.snakemake/kadai-cache`` of the checkout (Snakemake's own folder, ignored by git);
``KADAI_CACHE=0`` turns the caches off.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .io import write_text

ROOT = Path(__file__).resolve().parents[2]


def enabled() -> bool:
    return os.environ.get("KADAI_CACHE", "1") != "0"


def folder(name: str) -> Path | None:
    """``.snakemake/kadai-cache/<name>``, created; None when caching is off or impossible."""
    if not enabled():
        return None
    path = ROOT / ".snakemake" / "kadai-cache" / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


def version_key(path, mtime_ns: int, size: int) -> str:
    """The key prefix of a file version: ``path|mtime_ns|size`` (what :func:`_current` checks)."""
    return f"{Path(path)}|{mtime_ns}|{size}"


def file_key(path) -> str:
    """``path`` with its modification time and size now (the version of the file an entry is for)."""
    st = os.stat(path)
    return version_key(path, st.st_mtime_ns, st.st_size)


def _current(key: str) -> bool:
    """Whether an entry keyed ``path|mtime|size|…`` (:func:`file_key`) is for the file as it is now."""
    path, *_ = key.split("|", 1)
    try:
        return key.startswith(file_key(path) + "|")
    except OSError:
        return False


class Table:
    """A JSON object on disk whose keys start with a :func:`file_key`, loaded at the first lookup.
    ``save`` keeps the entries of files as they are now and drops those of older versions."""

    def __init__(self, name: str):
        self.name = name
        self._disk: dict | None = None  # the file as read
        self._used: dict = {}  # entries looked up or added in this process

    def _read(self) -> dict:
        if self._disk is None:
            self._disk = {}
            where = folder("")
            if where is not None:
                try:
                    data = json.loads((where / f"{self.name}.json").read_text(encoding="utf-8"))
                    self._disk = data if isinstance(data, dict) else {}
                except (OSError, ValueError):
                    pass
        return self._disk

    def get(self, key: str):
        value = self._used.get(key, self._read().get(key))
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value) -> None:
        self._used[key] = value

    def derived(self, key: str, derive, save: bool = False):
        """The entry ``key``, or ``derive()`` kept under it where there is none (written to disk
        at once with ``save``; otherwise at the owner's :meth:`save`)."""
        value = self.get(key)
        if value is None:
            value = derive()
            self.put(key, value)
            if save:
                self.save()
        return value

    def save(self) -> None:
        """Write the entries used in this process and the current ones of the file, if that changes it."""
        where = folder("")
        if where is None:
            return
        disk = self._read()
        keep = {k: v for k, v in disk.items() if k not in self._used and _current(k)}
        keep.update(self._used)
        if keep == disk:
            return
        try:
            write_text(where / f"{self.name}.json", json.dumps(keep, ensure_ascii=False))
        except OSError:
            return
        self._disk = keep
