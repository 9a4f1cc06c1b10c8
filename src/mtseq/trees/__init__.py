"""Penn Treebank trees for the parsing task: read, clean, linearise, and back.

The parse task is translation into a bracket language (Vinyals et al. 2015):
source = the sentence's words, target = ``(S (NP XX XX )NP ... )S``. Trees
are ``nltk.Tree`` throughout; leaves are the words.
"""

from mtseq.trees.clean import clean_tree, is_preterminal, shape_problem, strip_function_tags
from mtseq.trees.linearise import linearise, strip_pos
from mtseq.trees.ptb import iter_trees, list_mrg_files, parse_tree, read_trees, tree_to_line
from mtseq.trees.repair import delinearise

__all__ = [
    "clean_tree",
    "delinearise",
    "is_preterminal",
    "iter_trees",
    "linearise",
    "list_mrg_files",
    "parse_tree",
    "read_trees",
    "shape_problem",
    "strip_function_tags",
    "strip_pos",
    "tree_to_line",
]
