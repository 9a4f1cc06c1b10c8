"""The high-confidence (silver) parse corpus: parse with benepar, keep what two parsers agree on, resample.

Luong et al. (2016) train their auxiliary parser on 11M sentences that two
parsers parse identically, resampled to the WSJ length distribution
(Vinyals et al. 2015). benepar is imported only when a model is loaded.
"""

from mtseq.silver.agreement import filter_agreeing, sentence_f1
from mtseq.silver.parser import escape_token, load_parser, parse_file, parse_sentences
from mtseq.silver.resample import draw, resample_file, tree_lengths

__all__ = [
    "draw",
    "escape_token",
    "filter_agreeing",
    "load_parser",
    "parse_file",
    "parse_sentences",
    "resample_file",
    "sentence_f1",
    "tree_lengths",
]
