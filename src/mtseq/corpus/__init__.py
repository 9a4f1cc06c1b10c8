"""Corpora: the generated default (``synth``) beside fetched real data."""
