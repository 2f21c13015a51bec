"""任意課題1: why plain C is slower than NumPy. Stages: build → measure (one experiment per
hypothesis) and cachegrind → analyse → figures → context. ``python -m kadai.nini1 [N]`` is the
C-vs-NumPy benchmark (:mod:`kadai.nini1.bench`)."""
