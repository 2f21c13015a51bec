"""What the 課題4 report is made of (read by the Snakefile; no training code imports it)."""

SOURCES = ("workflow/kadai/train/loops.py", "workflow/kadai/kadai4/train.py")


def figures(study: dict) -> list[str]:
    """One figure per studied parameter, the effect sizes, and samples of the dataset."""
    return [f"param_{p}" for p in study] + ["effects", "samples"]


def settings(cfg: dict) -> list[str]:
    """One training job per setting that differs from the baseline (``param=value``). The epochs
    study is one long run whose per-epoch records give every epoch count; settings equal to the
    baseline reuse its runs."""
    out = ["baseline=base"] + [f"{p}={v}" for p, values in cfg["study"].items() if p != "epochs"
                               for v in values if str(v) != str(cfg["baseline"][p])]
    if "epochs" in cfg["study"]:
        out.append(f"epochs={max(cfg['study']['epochs'])}")
    return out


def explain(cfg: dict) -> list[str]:
    """The explanation experiment's runs (:mod:`kadai.kadai4.explain`), where the activation study
    has both ReLU and Sigmoid to explain a gap between."""
    acts = {str(a) for a in cfg["study"].get("activation", [])}
    return ["results/kadai4/explain/activation.csv"] if {"relu", "sigmoid"} <= acts else []
