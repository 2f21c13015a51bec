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
SCALED = "sigmoid_x4"  # the explanation experiment's activation, 4·σ(x) (kadai.kadai4.explain)
LABELS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "GELU",
          "cross_entropy": "交差エントロピー", "mse": "二乗誤差（one-hot）",
          SCALED: "4·Sigmoid"}
