"""The embedded default corpus: a synthetic bilingual (English-German) treebank.

``generate(root, cfg)`` writes every raw file of ``mtseq.layout.Layout(root)``
(translation pairs with gold English trees, a treebank, captioned scenes,
monolingual stories) and STATS.json, deterministically from ``cfg["seed"]``.
English comes from a probabilistic grammar, German from transfer rules over
the same structure (V2, verb-final subordinate clauses, separable particles,
case and gender agreement), so that knowing the parse helps translating.
"""

from mtseq.corpora.synth.generate import check_config, generate

__all__ = ["generate", "check_config"]
