"""Config validation: a wrong value names the key and the allowed range."""
import copy

import pytest
import yaml
from conftest import ROOT
from kadai import config as kconfig


@pytest.fixture(scope="module")
def base():
    return yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))


def deep_update(base, extra):
    """The way Snakemake merges --configfile over the default config."""
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            deep_update(base[k], v)
        else:
            base[k] = v
    return base


def test_shipped_configs_are_valid(base):
    kconfig.validate(base)
    quick = yaml.safe_load((ROOT / "config/quick.yaml").read_text(encoding="utf-8"))
    kconfig.validate(deep_update(copy.deepcopy(base), quick))


@pytest.mark.parametrize("section,key,value,words", [
    ("kadai1.sweep", "per_run_budget_s", -1, ["kadai1.sweep.per_run_budget_s", "range > 0"]),
    ("kadai1.sweep", "per_run_budget_s", 600, ["kadai1.sweep.per_run_budget_s", "≤ 60"]),
    ("kadai1", "variants", ["slow"], ["kadai1.variants.0", "naive"]),
    ("tables", "sig_figs", 9, ["tables.sig_figs", "range ≥ 2 and ≤ 6"]),
    ("kadai1.sweep", "n_max", 4, ["kadai1.sweep.n_max", "n_min"]),
    ("kadai1.sweep", "typo_key", 1, ["kadai1.sweep", "typo_key"]),
    ("kadai1", "typo_key", 1, ["kadai1", "typo_key"]),
    # one seed has no spread to decide an accuracy from
    ("kadai3", "seeds", [0], ["kadai3.seeds", "at least 2 items", "spread over the seeds"]),
])
def test_bad_values_name_the_key(base, section, key, value, words):
    message = rejection(base, f"{section}.{key}", value)
    for w in words:
        assert w in message


def rejection(base: dict, key: str, value) -> str:
    """The message with which validation rejects ``base`` with ``key`` (dotted) set to ``value``."""
    cfg = copy.deepcopy(base)
    *path, last = key.split(".")
    node = cfg
    for part in path:
        node = node[part]
    node[last] = value
    with pytest.raises(kconfig.ConfigError) as err:
        kconfig.validate(cfg)
    return str(err.value)


@pytest.mark.parametrize("key,value,words", [
    ("date", "2024-13-45", ["'date'", "calendar"]),
    ("kadai1.sweep.max_repeats", 1, ["kadai1.sweep.max_repeats", "min_repeats"]),
    ("kadai2.explain.n_max", 8, ["kadai2.explain.n_max", "n_min"]),
    ("kadai4.dataset.augment.size_min", 40, ["kadai4.dataset.augment.size_max", "size_min"]),
    ("kadai4.baseline.optimizer", "adam@1.2.3", ["kadai4.baseline.optimizer", "not a number"]),
    ("kadai3.fc_family", ["fc8", "pool0-fc8"], ["kadai3.fc_family.1", "size 0"]),
    ("kadai3.cnn_family", ["conv4-pool32-fc8"], ["kadai3.cnn_family.0", "shrinks to nothing"]),
    ("kadai3.no_conv", "fc0", ["kadai3.no_conv", "size 0"]),
    ("kadai4.study.hidden", [64, 64], ["kadai4.study.hidden", "non-unique"]),
    ("kadai1.sweep.min_time_s", "1e-2", ["kadai1.sweep.min_time_s", "decimal point"]),
])
def test_values_the_schema_cannot_judge_are_checked_before_any_job(base, key, value, words):
    message = rejection(base, key, value)
    for w in words:
        assert w in message


def test_broken_files_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kadai1:\n  sweep: {n_min: 4\n", encoding="utf-8")
    with pytest.raises(kconfig.ConfigError, match=r"bad.yaml line 3.*not valid YAML.*began on line 2"):
        kconfig.check_files([bad])
    bad.write_bytes('student:\n  name: "Jos\xe9"\n'.encode("latin-1"))
    with pytest.raises(kconfig.ConfigError, match=r"bad.yaml line 2: byte 0xe9 is not UTF-8"):
        kconfig.check_files([bad])
    bad.write_text("student:\n  name: a\ndate: 2024-13-45\n", encoding="utf-8")
    with pytest.raises(kconfig.ConfigError, match=r"bad.yaml line 3, column 7: month must be in 1..12"):
        kconfig.check_files([bad])
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(kconfig.ConfigError, match="mapping of keys"):
        kconfig.check_files([bad])


def test_a_problem_names_the_file_that_set_the_key(tmp_path, base):
    mine = tmp_path / "mine.yaml"
    mine.write_text("kadai1:\n  sweep:\n    n_max: 2\n", encoding="utf-8")
    cfg = deep_update(copy.deepcopy(base), yaml.safe_load(mine.read_text(encoding="utf-8")))
    with pytest.raises(kconfig.ConfigError) as err:
        kconfig.validate(cfg, files=[str(ROOT / "config/config.yaml"), str(mine)])
    assert f"'kadai1.sweep.n_max' ({mine} line 3)" in str(err.value)


def test_an_unquoted_date_is_a_date(base):
    import datetime

    cfg = kconfig.normalise({**copy.deepcopy(base), "date": datetime.date(2026, 7, 15)})
    kconfig.validate(cfg)
    assert cfg["date"] == "2026-07-15"
