"""Downloaded or supplied corpora -> the raw/ layout (mtseq.layout.Layout).

``plain``: Multi30k and the NLTK PTB sample (and the helpers the others share). The paper-scale stages
live in their own modules, imported by the commands that run them: ``parallel`` (WMT corpora), ``wsj``
(the full treebank by section), ``coco`` (captions + supplied features), ``mono`` (the seeded
news-crawl sample).
"""

from mtseq.corpora.prepare.plain import (
    default_ptb_splits,
    prepare_multi30k,
    prepare_parallel,
    prepare_ptb_sample,
    read_corpus_lines,
)

__all__ = ["default_ptb_splits", "prepare_multi30k", "prepare_parallel", "prepare_ptb_sample", "read_corpus_lines"]
