"""Datasets (``data``), models from compact specs (``models``) and two training loops (``loops``),
shared by 課題3 and 課題4.

Model spec: layers joined by ``-``; ``convC`` is a 3×3 Conv2d with C output channels followed
by ReLU, ``poolK`` a K×K max-pool, ``fcH`` a Linear layer with H outputs followed by ReLU. A
Flatten is inserted before the first ``fc`` and a final Linear to the number of classes is
appended. ``conv4-conv4-fc128`` is the course CNN; ``fc128`` is the same network with the
Conv2d layers removed. Layers are registered under the course's names (conv1, conv2, flatten,
fc1, fc2, …) and activations are applied in ``forward``, so torchinfo lists exactly the rows
of the lecture's table.

"""
