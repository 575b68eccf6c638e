"""Synthetic GIP annual reports with ground truth for every cell (`gip synth`)."""
