"""Treebank annotation the parse task does not predict, removed.

Vinyals et al. (2015) train on trees without traces (``-NONE-``), function
tags or co-indices, and without the empty root the WSJ files wrap every tree
in; unary chains and punctuation stay. EVALB (COLLINS.prm) ignores the
same annotation when scoring, so the model is not asked for what the
metric cannot see.
"""

from __future__ import annotations

from nltk import Tree

TRACE = "-NONE-"
ROOT_WRAPPERS = frozenset({"", "TOP", "ROOT"})


def strip_function_tags(label: str) -> str:
    """``NP-SBJ-1`` → ``NP``, ``NP=2`` → ``NP``; ``-LRB-``, ``-NONE-`` (dash-delimited tags) stay."""
    if label.startswith("-") and label.endswith("-") and len(label) > 1:
        return label
    for i, ch in enumerate(label):
        if i > 0 and ch in "-=":
            return label[:i]
    return label


def is_preterminal(node: Tree | str) -> bool:
    """A POS node: exactly one child, the word."""
    return isinstance(node, Tree) and len(node) == 1 and isinstance(node[0], str)


def _clean(root: Tree) -> Tree | None:
    """Traces removed, function tags stripped, emptied constituents dropped; iterative, so depth costs no stack."""
    done: dict[int, Tree | None] = {}
    todo: list[tuple[Tree, bool]] = [(root, False)]
    while todo:
        node, visited = todo.pop()
        if not visited:
            if node.label() == TRACE:
                done[id(node)] = None
                continue
            todo.append((node, True))
            todo.extend((c, False) for c in node if isinstance(c, Tree))
            continue
        children = [c if isinstance(c, str) else done[id(c)] for c in node]
        children = [c for c in children if c is not None]
        done[id(node)] = Tree(strip_function_tags(node.label()), children) if children else None
    return done[id(root)]


def leaves(tree: Tree) -> list[str]:
    """``tree.leaves()`` without recursion."""
    out: list[str] = []
    todo: list[Tree | str] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            out.append(node)
        else:
            todo.extend(reversed(node))
    return out


def phrase_labels(tree: Tree) -> list[str]:
    """The labels of every constituent above the POS level, without recursion."""
    out: list[str] = []
    todo: list[Tree] = [tree]
    while todo:
        node = todo.pop()
        if not is_preterminal(node):
            out.append(node.label())
            todo.extend(c for c in node if isinstance(c, Tree))
    return out


def clean_tree(tree: Tree) -> Tree | None:
    """A cleaned copy of ``tree``, or None when nothing but traces was in it.

    Root wrappers (an empty label, ``TOP``, ``ROOT``) over a single
    constituent are removed, so the root is the sentence's real top label.
    """
    cleaned = _clean(tree) if isinstance(tree, Tree) else None
    while (
        isinstance(cleaned, Tree)
        and cleaned.label() in ROOT_WRAPPERS
        and len(cleaned) == 1
        and isinstance(cleaned[0], Tree)
        and not is_preterminal(cleaned[0])
    ):
        cleaned = cleaned[0]
    return cleaned if isinstance(cleaned, Tree) else None


def shape_problem(tree: Tree) -> str | None:
    """Why ``tree`` cannot be linearised exactly, or None.

    Every word must sit alone under a POS tag, and the root must be a
    phrase, not a bare POS tag: otherwise the ``XX`` sequence cannot say
    where the word was.
    """
    if is_preterminal(tree):
        return f"the root ({tree.label()}) is a POS tag, not a phrase"
    todo = [tree]
    while todo:
        node = todo.pop()
        if is_preterminal(node):
            continue
        if not node.label():
            return "a constituent has no label"
        for child in node:
            if isinstance(child, str):
                return f"word {child!r} is not under a POS tag (inside {node.label() or 'the root'})"
            todo.append(child)
    return None
