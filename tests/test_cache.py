"""The on-disk caches behind Snakemake's start and the render jobs (kadai.cache): an entry is
answered only for the file version it was made from, and the cached answers equal fresh ones."""

import glob
import json
import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from kadai import cache, deps, fonts, render


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "ROOT", tmp_path)
    monkeypatch.delenv("KADAI_CACHE", raising=False)
    return tmp_path / ".snakemake" / "kadai-cache"


def test_an_entry_is_kept_while_its_file_is_unchanged_and_dropped_after_an_edit(cache_root, tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("y = 2\n")
    first = cache.Table("t")
    first.put(cache.file_key(a) + "|what", ["found in a"])
    first.put(cache.file_key(b) + "|what", ["found in b"])
    first.save()
    assert len(json.loads((cache_root / "t.json").read_text())) == 2

    second = cache.Table("t")
    assert second.get(cache.file_key(a) + "|what") == ["found in a"]
    old_b = cache.file_key(b) + "|what"
    b.write_text("y = 2  # edited\n")
    assert second.get(cache.file_key(b) + "|what") is None  # the new version is not answered
    second.put(cache.file_key(b) + "|what", ["found in the new b"])
    second.save()
    kept = json.loads((cache_root / "t.json").read_text())
    assert old_b not in kept  # the entry of the old version is gone
    assert kept[cache.file_key(b) + "|what"] == ["found in the new b"]
    assert kept[cache.file_key(a) + "|what"] == ["found in a"]


def test_an_unused_entry_of_an_unchanged_file_survives_a_save(cache_root, tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("1")
    b.write_text("2")
    t = cache.Table("t")
    t.put(cache.file_key(a) + "|k", 1)
    t.save()
    t2 = cache.Table("t")  # a later process that only needs b
    t2.put(cache.file_key(b) + "|k", 2)
    t2.save()
    assert set(json.loads((cache_root / "t.json").read_text())) == {cache.file_key(a) + "|k",
                                                                    cache.file_key(b) + "|k"}
    a.unlink()  # a deleted file's entry goes at the next save
    t3 = cache.Table("t")
    t3.put(cache.file_key(b) + "|other", 3)
    t3.save()
    assert cache.file_key(b) + "|k" in json.loads((cache_root / "t.json").read_text())
    assert all(not k.startswith(str(a)) for k in json.loads((cache_root / "t.json").read_text()))


def test_a_corrupt_cache_file_is_ignored_and_KADAI_CACHE_0_turns_caching_off(cache_root, tmp_path, monkeypatch):
    cache_root.mkdir(parents=True)
    (cache_root / "t.json").write_text("{not json")
    a = tmp_path / "a.py"
    a.write_text("1")
    t = cache.Table("t")
    assert t.get(cache.file_key(a) + "|k") is None
    t.put(cache.file_key(a) + "|k", 1)
    t.save()
    assert json.loads((cache_root / "t.json").read_text()) == {cache.file_key(a) + "|k": 1}

    monkeypatch.setenv("KADAI_CACHE", "0")
    assert cache.folder("jinja") is None
    off = cache.Table("t")
    assert off.get(cache.file_key(a) + "|k") is None
    off.put(cache.file_key(a) + "|k", 2)
    off.save()
    assert json.loads((cache_root / "t.json").read_text()) == {cache.file_key(a) + "|k": 1}


def _code_files_of_every_rule(env):
    script = ("import glob, json; from kadai import deps; print(json.dumps({s: deps.code_files(s) "
              "for s in sorted(glob.glob('workflow/scripts/*.py'))}))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "workflow"), **env})
    return json.loads(out.stdout)


def test_the_import_analysis_from_the_cache_equals_a_fresh_one():
    fresh = _code_files_of_every_rule({"KADAI_CACHE": "0"})
    assert len(fresh) == len(glob.glob(str(ROOT / "workflow/scripts/*.py")))
    _code_files_of_every_rule({})  # fills the cache (saved at exit)
    assert (ROOT / ".snakemake/kadai-cache/deps.json").is_file()
    assert _code_files_of_every_rule({}) == fresh  # answered from it


def test_a_module_edited_after_caching_is_parsed_again(cache_root, tmp_path, monkeypatch):
    pkg = tmp_path / "workflow" / "kadai"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("")
    (pkg / "c.py").write_text("")
    monkeypatch.setattr(deps, "LIB", tmp_path / "workflow")
    monkeypatch.setattr(deps, "_FOUND", cache.Table("deps"))
    assert deps.closure("kadai.a") == ["kadai", "kadai.a", "kadai.b"]
    deps._FOUND.save()
    deps._closure.cache_clear()
    (pkg / "a.py").write_text("from . import b, c  # the edit\n")
    monkeypatch.setattr(deps, "_FOUND", cache.Table("deps"))  # as a new process reads it
    assert deps.closure("kadai.a") == ["kadai", "kadai.a", "kadai.b", "kadai.c"]
    deps._closure.cache_clear()


def test_the_character_map_from_the_cache_equals_the_fonts_own(cache_root, monkeypatch):
    from fontTools.ttLib import TTFont

    face = fonts.choose()["faces"]["heading"]  # IPAex Gothic, a .ttf
    monkeypatch.setattr(fonts, "_CMAPS", cache.Table("cmaps"))
    own = set(TTFont(str(face["file"]), lazy=True).getBestCmap())
    assert fonts.code_points(face) == own
    monkeypatch.setattr(fonts, "_CMAPS", cache.Table("cmaps"))  # a new process: read from disk
    assert fonts.code_points(face) == own
    assert (cache_root / "cmaps.json").is_file()


def test_an_edited_partial_is_rendered_anew_with_a_warm_template_cache(cache_root, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "r.md.j2").write_text('{% include "_p.j2" %}\n')
    (templates / "_p.j2").write_text("first wording\n")
    run = lambda: render.render_markdown("r.md.j2", {}, {}, {}, tmp_path / "o.md", root=tmp_path,  # noqa: E731
                                         templates=templates)[0]
    assert "first wording" in run()
    assert any((cache_root / "jinja").iterdir())
    (templates / "_p.j2").write_text("second wording\n")
    assert "second wording" in run() and "first" not in run()


def test_the_faces_from_the_cache_equal_the_fonts_own_and_follow_an_edit(cache_root, tmp_path, monkeypatch):
    face = fonts.choose()["faces"]["mono"]  # Noto Sans Mono CJK JP: one face of a .ttc
    monkeypatch.setenv("KADAI_CACHE", "0")
    own = fonts.faces_in(face["file"])
    monkeypatch.delenv("KADAI_CACHE")
    assert len(own) > 1 and face in [{**f, "source": face["source"]} for f in own]
    monkeypatch.setattr(fonts, "_FACES", cache.Table("faces"))
    assert fonts.faces_in(face["file"]) == own
    monkeypatch.setattr(fonts, "_FACES", cache.Table("faces"))  # a new process: read from disk
    assert fonts.faces_in(face["file"]) == own
    assert (cache_root / "faces.json").is_file()
    fake = tmp_path / "font.ttf"  # a font file replaced by something unreadable offers no face
    fake.write_bytes(open(face["file"], "rb").read(1 << 16))
    assert fonts.faces_in(fake) == []
    assert fonts.faces_in(tmp_path / "gone.ttf") == []


def test_a_configuration_remembered_as_valid_is_checked_again_after_any_change(cache_root, tmp_path, monkeypatch):
    from kadai import config as kconfig

    checked = []
    real = kconfig.errors
    monkeypatch.setattr(kconfig, "errors", lambda *a, **k: checked.append(1) or real(*a, **k))
    base = kconfig.read_yaml(ROOT / "config/config.yaml")
    monkeypatch.setattr(kconfig, "_VALID", cache.Table("config"))
    kconfig.validate(base)
    assert checked == [1] and (cache_root / "config.json").is_file()
    monkeypatch.setattr(kconfig, "_VALID", cache.Table("config"))  # a new process
    kconfig.validate(base)
    assert checked == [1]  # unchanged: answered from the cache
    bad = json.loads(json.dumps(base))
    bad["kadai1"]["sweep"]["n_max"] = bad["kadai1"]["sweep"]["n_min"] - 1
    with pytest.raises(kconfig.ConfigError, match="n_max"):
        kconfig.validate(bad)
    schema = tmp_path / "schema.yaml"  # an edited schema checks the same configuration anew
    schema.write_text((ROOT / "config/schema.yaml").read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    kconfig.validate(base, schema_path=schema)
    assert checked == [1, 1, 1]


def test_the_fast_yaml_parser_reads_every_config_file_as_the_pure_python_one():
    import yaml
    from kadai import config as kconfig

    files = sorted((ROOT / "config").glob("*.yaml")) + sorted((ROOT / "tests").glob("*.yaml"))
    assert kconfig.FAST_LOADER is yaml.CSafeLoader and len(files) >= 4
    for f in files:
        assert kconfig.read_yaml(f) == (yaml.safe_load(f.read_text(encoding="utf-8")) or {}), f


def _module(tmp_path, monkeypatch, text, mtime_s=None):
    """workflow/kadai/m.py under ``tmp_path`` (as the repository root), with ``text``."""
    monkeypatch.setattr(deps, "ROOT", tmp_path)
    monkeypatch.setattr(deps, "_FOUND", cache.Table("deps"))
    path = tmp_path / "workflow" / "kadai" / "m.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime_s is not None:
        os.utime(path, (mtime_s, mtime_s))
    return path


CODE = '"""Module doc."""\n\ndef f(x):\n    """Twice x."""\n    return 2 * x  # why\n'


@pytest.mark.parametrize("edit,same", [
    ('"""Module doc, reworded."""\n\ndef f(x):\n    """Twice x."""\n    return 2 * x  # why\n', True),
    ('"""Module doc."""\n\n\ndef f(x):\n    """Two times x."""\n    # a new comment\n    return 2*x\n', True),
    ('"""Module doc."""\n\ndef f(x):\n    """Twice x."""\n    return 3 * x  # why\n', False),
    ('"""Module doc."""\n\ndef f(y):\n    """Twice x."""\n    return 2 * y  # why\n', False),
    ('def f(x):\n    return 2 * x\n', True),  # both docstrings gone
    ('"""Module doc."""\n\ndef f(x):\n    return 2 * x\n\nf.__doc__\n', False),
])
def test_the_digest_sees_what_the_code_does_and_not_its_docstrings_or_comments(cache_root, tmp_path,
                                                                                 monkeypatch, edit, same):
    path = _module(tmp_path, monkeypatch, CODE)
    before = deps.digest(path)
    path.write_text(edit)
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)  # a later version even on a coarse clock
    assert (deps.digest(path) == before) is same


def test_a_module_that_reads_docstrings_keeps_them_in_its_digest(cache_root, tmp_path, monkeypatch):
    path = _module(tmp_path, monkeypatch, '"""Usage: m."""\nHELP = __doc__\n')
    before = deps.digest(path)
    path.write_text('"""Usage: m [-v]."""\nHELP = __doc__\n')
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert deps.digest(path) != before


def test_a_signature_changes_only_with_the_code_and_then_is_newer_than_the_results(cache_root, tmp_path,
                                                                                    monkeypatch):
    past = 1_700_000_000
    path = _module(tmp_path, monkeypatch, CODE, mtime_s=past)
    rel = "workflow/kadai/m.py"
    sig = tmp_path / deps.signature(rel)
    assert sig == tmp_path / ".snakemake/kadai-code/workflow/kadai/m.py.sig"
    # first made: the module's own time, so results made after the module's last edit stay current
    assert sig.stat().st_mtime_ns == path.stat().st_mtime_ns
    result_time = past + 100  # a result made after that edit
    # a docstring and a comment edited: the signature keeps its content and its time
    path.write_text(CODE.replace("Twice x.", "Two times x.").replace("# why", "# because"))
    os.utime(path, (past + 200, past + 200))
    content = sig.read_text()
    assert deps.signature(rel) == sig.relative_to(tmp_path).as_posix()
    assert sig.read_text() == content and sig.stat().st_mtime == past
    # the code edited, even with an old modification time (copied with its time kept): rewritten, now
    path.write_text(CODE.replace("2 * x", "3 * x"))
    os.utime(path, (past + 300, past + 300))
    deps.signature(rel)
    assert sig.read_text() != content
    assert sig.stat().st_mtime > result_time and sig.stat().st_mtime >= time.time() - 60
