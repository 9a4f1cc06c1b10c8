"""Trees as token sequences, in the style of Vinyals et al. (2015).

``(S (NP (DT the) (NN cat)) (VP (VBD sat)))`` becomes
``(S (NP XX XX )NP (VP XX )VP )S``: each phrase opens with ``(LABEL`` and
closes with ``)LABEL``, and every POS node becomes ``XX``, so the decoder
predicts structure only and the words come back from the source sentence.
"""

from __future__ import annotations

from nltk import Tree

from mtseq.trees.clean import is_preterminal

WORD = "XX"


def linearise(tree: Tree) -> list[str]:
    """The target token sequence for a cleaned tree (see ``clean.shape_problem`` for what it needs)."""
    out: list[str] = []
    todo: list[Tree | str | tuple[str]] = [tree]
    while todo:
        item = todo.pop()
        if isinstance(item, tuple):  # the closing token of a phrase already opened
            out.append(item[0])
        elif isinstance(item, str) or is_preterminal(item):  # a word, bare or under its POS tag
            out.append(WORD)
        else:
            label = item.label()
            out.append("(" + label)
            todo.append((")" + label,))
            todo.extend(reversed(list(item)))
    return out


def strip_pos(tree: Tree) -> Tree:
    """A copy of ``tree`` with every POS tag replaced by ``XX``: what delinearise can give back (no recursion)."""
    done: dict[int, Tree] = {}
    todo: list[tuple[Tree, bool]] = [(tree, False)]
    while todo:
        node, visited = todo.pop()
        if is_preterminal(node):
            done[id(node)] = Tree(WORD, [node[0]])
        elif not visited:
            todo.append((node, True))
            todo.extend((c, False) for c in node if isinstance(c, Tree))
        else:
            done[id(node)] = Tree(node.label(), [done[id(c)] if isinstance(c, Tree) else c for c in node])
    return done[id(tree)]
