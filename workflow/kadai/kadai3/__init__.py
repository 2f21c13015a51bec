"""課題3: MNIST (or Fashion-MNIST), fully connected vs convolutional: time, accuracy, size.
Stages: train (and the course-style DataLoader loop) and model summaries → analyse → figures →
context. ``python -m kadai.kadai3`` is the loop benchmark (:mod:`kadai.kadai3.bench`)."""
