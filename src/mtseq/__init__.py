"""mtseq: multi-task sequence-to-sequence learning and its mixing-ratio sensitivity."""

__version__ = "0.1.0"
