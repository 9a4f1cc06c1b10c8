"""PTB bracketed text: a streaming reader and a one-line writer.

Treebank files come in two shapes: WSJ ``.mrg`` files with many trees, each
spread over many lines under an empty root ``( (S ...) )``, and files with
one tree a line (our cleaned gold trees, parser output). One bracket scanner
reads both and remembers the line each tree starts on, so a bad tree is
refused with ``file:line`` instead of derailing every tree after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.io import check_input_file, decode_text

_TOKEN = re.compile(r"[()]|[^\s()]+")
# Far deeper than any treebank (the deepest tree of NLTK's WSJ sample has 30 levels); nltk's tree methods recurse,
# so a deeper tree would end in RecursionError wherever one of them touches it.
MAX_DEPTH = 500


class _Open:
    """A constituent whose ``)`` has not been seen yet."""

    __slots__ = ("label", "children", "has_label")

    def __init__(self) -> None:
        self.label = ""
        self.children: list = []
        self.has_label = False


def _decoded_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, text), refusing invalid UTF-8 with the line it is on."""
    check_input_file(path)
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            text = decode_text(raw, path, first_line=lineno)
            yield lineno, text.removeprefix("\ufeff") if lineno == 1 else text


def _scan(lines: Iterator[tuple[int, str]], where: str | Path) -> Iterator[tuple[Tree, int]]:
    stack: list[_Open] = []
    start = 0  # line the tree being read starts on
    last_start = 0  # line the previous complete tree started on
    for lineno, text in lines:
        for match in _TOKEN.finditer(text):
            tok = match.group()
            if tok == "(":
                if stack and not stack[-1].has_label:
                    stack[-1].has_label = True  # "( (" : the outer bracket has an empty label
                if not stack:
                    start = lineno
                if len(stack) >= MAX_DEPTH:
                    raise MtseqError(f"tree nested more than {MAX_DEPTH} levels deep (line {lineno})", where, start)
                stack.append(_Open())
            elif tok == ")":
                if not stack:
                    if last_start:
                        msg = f"unbalanced brackets: extra ')' on line {lineno} after the tree that starts here"
                        raise MtseqError(msg, where, last_start)
                    raise MtseqError("unbalanced brackets: ')' before any tree", where, lineno)
                node = stack.pop()
                if not node.children:
                    empty_tree = not node.has_label and not stack
                    what = "empty tree '()'" if empty_tree else f"empty constituent ({node.label})"
                    raise MtseqError(f"{what} on line {lineno}", where, start)
                tree = Tree(node.label, node.children)
                if stack:
                    stack[-1].children.append(tree)
                else:
                    last_start = start
                    yield tree, start
            else:
                if not stack:
                    raise MtseqError(f"text outside a tree: {tok!r}", where, lineno)
                top = stack[-1]
                if top.has_label:
                    top.children.append(tok)
                else:
                    top.label, top.has_label = tok, True
    if stack:
        raise MtseqError(f"unbalanced brackets: {len(stack)} bracket(s) still open at end of file", where, start)


def iter_trees(path: str | Path) -> Iterator[tuple[Tree, int]]:
    """Yield ``(tree, start_line)`` for every tree in a PTB bracketed file, streaming."""
    path = Path(path)
    yield from _scan(_decoded_lines(path), path)


def read_trees(path: str | Path) -> list[Tree]:
    """All trees of a file; the whole file is checked before anything is returned."""
    return [tree for tree, _ in iter_trees(path)]


def parse_tree(text: str, where: str = "<string>") -> Tree:
    """Exactly one tree from a string (e.g. one line of a one-tree-a-line file)."""
    trees = list(_scan(iter([(1, text)]), where))
    if len(trees) != 1:
        raise MtseqError(f"expected one tree, found {len(trees)}", where)
    return trees[0][0]


def tree_to_line(tree: Tree) -> str:
    """One-line PTB form, ``(S (NP (DT the) (NN cat)) ...)``, that ``parse_tree`` reads back.

    The same text as nltk's ``tree.pformat(margin=sys.maxsize)``, built without recursion so
    a deep tree (decoder output) cannot exhaust the stack.
    """
    done: dict[int, str] = {}
    todo: list[tuple[Tree, bool]] = [(tree, False)]
    while todo:
        node, visited = todo.pop()
        if not visited:
            todo.append((node, True))
            todo.extend((c, False) for c in node if isinstance(c, Tree))
            continue
        parts = [done[id(c)] if isinstance(c, Tree) else str(c) for c in node]
        label = node.label() if isinstance(node.label(), str) else repr(node.label())
        done[id(node)] = f"({label} {' '.join(parts)})"
    return done[id(tree)]


def list_mrg_files(directory: str | Path) -> list[Path]:
    """The ``.mrg`` files under a directory (sections included), in sorted order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MtseqError("not a directory", directory)
    return sorted(p for p in directory.rglob("*.mrg") if p.is_file())
