"""Decoding: batched beam search (greedy for beam 1) and teacher-forced perplexity."""

from mtseq.decode.beam import Sources, beam_search, decode_batch, greedy, make_sources, translate
from mtseq.decode.perplexity import perplexity, split_perplexity

__all__ = [
    "Sources",
    "beam_search",
    "decode_batch",
    "greedy",
    "make_sources",
    "perplexity",
    "split_perplexity",
    "translate",
]
