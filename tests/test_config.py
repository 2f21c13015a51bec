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
])
def test_bad_values_name_the_key(base, section, key, value, words):
    cfg = copy.deepcopy(base)
    node = cfg
    for part in section.split("."):
        node = node[part]
    node[key] = value
    with pytest.raises(kconfig.ConfigError) as err:
        kconfig.validate(cfg)
    for w in words:
        assert w in str(err.value)
