"""Decoder output back into trees, repairing what a seq2seq model gets wrong.

A decoder can stop early, forget a closing bracket, close the wrong label,
or emit one ``XX`` too many; EVALB refuses such output and a sentence left
unscored would flatter the model. So every sequence becomes a well-formed
tree whose leaves are exactly the sentence's words, and the caller learns
whether anything had to be changed (the share repaired is worth reporting).

Repairs, in order of appearance:

- a token that is neither ``(LABEL``, ``)LABEL`` nor ``XX`` is dropped;
- a closing token closes the innermost open phrase, whatever its label
  says (the opening label wins); one with nothing open is dropped;
- ``XX`` beyond the sentence's length is dropped; missing ones are added
  at the end of the innermost phrase still open, else of the last phrase;
- a phrase with nothing in it is dropped; phrases still open are closed;
- several top-level pieces, or none, are wrapped in one ``S`` root, so an
  empty output is the flat tree ``(S XX XX ...)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from nltk import Tree

from mtseq.trees.clean import is_preterminal
from mtseq.trees.linearise import WORD

ROOT = "S"


def _label(token: str, mark: str) -> str | None:
    """The label of an opening/closing token, or None when it is not one."""
    if len(token) > 1 and token[0] == mark and "(" not in token[1:] and ")" not in token[1:]:
        return token[1:]
    return None


def delinearise(tokens: Sequence[str] | str, words: Sequence[str], root: str = ROOT) -> tuple[Tree, bool]:
    """``(tree, repaired)``: the tree a bracket sequence describes, with ``words`` as its leaves under ``XX``.

    ``repaired`` is False exactly when the sequence was well formed: balanced,
    closing labels matching, one ``XX`` per word, one top-level phrase.
    """
    if isinstance(tokens, str):
        tokens = tokens.split()
    words = list(words)
    repaired = False
    stack: list[tuple[str, list]] = []  # open phrases: (label, children so far)
    tops: list[Tree] = []  # finished top-level pieces
    k = 0  # next word

    def attach(node: Tree) -> None:
        (stack[-1][1] if stack else tops).append(node)

    def close() -> None:
        nonlocal repaired
        label, children = stack.pop()
        if children:
            attach(Tree(label, children))
        else:
            repaired = True  # an empty phrase has no span: drop it

    for tok in tokens:
        if tok == WORD:
            if k < len(words):
                attach(Tree(WORD, [words[k]]))
                k += 1
            else:
                repaired = True
        elif (label := _label(tok, "(")) is not None:
            stack.append((label, []))
        elif (label := _label(tok, ")")) is not None and stack:
            repaired |= label != stack[-1][0]
            close()
        else:
            repaired = True  # unknown token, or a closer with nothing open

    if k < len(words):
        repaired = True
        missing = [Tree(WORD, [w]) for w in words[k:]]
        if stack:
            stack[-1][1].extend(missing)
        elif tops and not is_preterminal(tops[-1]):
            tops[-1].extend(missing)
        else:
            tops.extend(missing)
    if stack:
        repaired = True
        while stack:
            close()

    if len(tops) == 1 and not is_preterminal(tops[0]):
        return tops[0], repaired
    return Tree(root, tops), True
