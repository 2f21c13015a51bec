"""What the 課題3 report is made of (read by the Snakefile; no training code imports it)."""

FIGURES = ("course", "family_acc", "family_time", "loader")
SOURCES = ("workflow/kadai/train/models.py", "workflow/kadai/train/loops.py")


def models(cfg: dict) -> list[str]:
    """Every model spec the report trains, each once, in a stable order."""
    return list(dict.fromkeys([cfg["baseline"], cfg["no_conv"], *cfg["fc_family"], *cfg["cnn_family"]]))


def timed(cfg: dict, model: str) -> bool:
    """The course CNN's training runs are timed (the report splits their epochs into data and
    compute time); the other models' runs give accuracies only."""
    return model == cfg["baseline"]
