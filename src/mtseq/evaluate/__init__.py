"""Scores for decoded output (labelled-bracket F1 for parsing, in parseval)."""
