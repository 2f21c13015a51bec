"""Japanese names of 課題4's parameters and settings (analysis, figures and context)."""

PARAMS = {  # config key → (Japanese name, numeric axis)
    "hidden": ("中間層のノード数", True),
    "layers": ("中間層の数", True),
    "activation": ("活性化関数", False),
    "epochs": ("エポック数", True),
    "loss": ("損失関数", False),
    "optimizer": ("最適化手法と学習率", False),
    "batch_size": ("バッチサイズ", True),
}
# The explanation experiment's activations (kadai.kadai4.explain): Sigmoid changed a step at a time
# towards ReLU, each b·σ(a·x) − c with (a, b, c) here; the ladder runs Sigmoid → … → ReLU
SLOPE4 = "sigmoid_in_x4"       # σ(4x): slope 1 at 0, outputs still in (0, 1)
SCALED = "sigmoid_x4"          # 4σ(x): slope 1, outputs in (0, 4)
CENTRED = "sigmoid_x4_centred"  # 4σ(x) − 2: slope 1, outputs in (−2, 2), centred on 0
SIGMOID_FORMS = {"sigmoid": (1, 1, 0), SLOPE4: (4, 1, 0), SCALED: (1, 4, 0), CENTRED: (1, 4, 2)}
LADDER = ("sigmoid", SLOPE4, SCALED, CENTRED, "relu")
LABELS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "GELU",
          "cross_entropy": "交差エントロピー", "mse": "二乗誤差（one-hot）",
          SLOPE4: "σ(4x)", SCALED: "4σ(x)", CENTRED: "4σ(x) − 2"}
