"""What the 課題1 report is made of (read by the Snakefile; no measurement code imports it)."""

FIGURES = ("time", "per_op")
SOURCES = ("workflow/submission/kadai1.py",)  # files the report quotes as listings
