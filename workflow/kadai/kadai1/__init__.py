"""課題1: the pure-Python matrix product. Stages: measure → analyse → figures → context."""
