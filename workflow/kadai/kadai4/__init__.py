"""課題4: which (hyper)parameters change training time and accuracy, on a dataset made here.
Stages: dataset → train (one setting × every seed) → analyse → figures → context."""
