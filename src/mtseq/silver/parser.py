"""benepar over pre-tokenised sentences: the raw material of the silver corpus.

benepar (and with it transformers) is imported only here and only when a
model is loaded, so every other stage starts without paying for it. Input
is one tokenised sentence a line; we never hand benepar plain strings, which
would need NLTK/spaCy tokeniser data. Output is one one-line PTB tree per
input line, aligned, so two parsers' files can be compared line by line.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, read_lines
from mtseq.trees.ptb import tree_to_line

# Brackets cannot be leaves in bracketed text; benepar escapes them the same way.
ESCAPES = {"(": "-LRB-", ")": "-RRB-", "{": "-LCB-", "}": "-RCB-", "[": "-LSB-", "]": "-RSB-"}


def escape_token(token: str) -> str:
    """The PTB form of a token (``(`` → ``-LRB-``): what becomes the tree's leaf."""
    for raw, escaped in ESCAPES.items():
        token = token.replace(raw, escaped)
    return token


def install_command(model: str) -> str:
    return f"python -c \"import benepar; benepar.download('{model}')\""


def load_parser(model: str, batch_size: int = 32, language_code: str = "en"):
    """A ``benepar.Parser`` for a model name (e.g. ``benepar_en3``) or a local path; one-line errors."""
    try:
        import benepar
    except ImportError as err:
        raise MtseqError(f"benepar is not importable ({err}): pip install 'benepar>=0.2' 'transformers<5'") from None
    looks_like_path = "/" in model or "." in model or Path(model).exists()
    if looks_like_path and not Path(model).exists():
        how = install_command("benepar_en3")
        raise MtseqError(f"benepar model not found; pass a saved model's path or an installed name ({how})", model)
    try:
        return benepar.Parser(model, batch_size=batch_size, language_code=language_code)
    except LookupError:
        how = install_command(model)
        raise MtseqError(
            f"benepar model '{model}' is not installed: run {how} (needs the network), or pass a saved model's path"
        ) from None
    except Exception as err:  # a foreign or damaged file fails in torch, pickle or benepar in many ways
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise MtseqError(f"cannot load benepar model: {type(err).__name__}: {first[:300]}", model) from None


def _unwrap(tree: Tree) -> Tree:
    """benepar wraps every parse in ``TOP``; drop it so the root is the sentence's real phrase."""
    while tree.label() == "TOP" and len(tree) == 1 and isinstance(tree[0], Tree):
        tree = tree[0]
    return tree


def parse_sentences(parser, sentences: Iterable[Sequence[str]]) -> Iterator[Tree]:
    """One tree per sentence (a list of tokens); leaves are the tokens, PTB-escaped."""
    from benepar import InputSentence

    inputs = (InputSentence(escaped_words=[escape_token(t) for t in sent]) for sent in sentences)
    for tree in parser.parse_sents(inputs):
        yield _unwrap(tree)


def read_token_lines(path: str | Path) -> list[list[str]]:
    """Tokenised sentences, refusing invalid UTF-8 and empty lines with the line number."""
    return [line.split() for line in read_lines(path, allow_empty_lines=False)]


def parse_file(
    model: str,
    tokens_path: str | Path,
    out_path: str | Path,
    batch_size: int = 32,
    language_code: str = "en",
    stats_path: str | Path | None = None,
    progress: bool = True,
) -> dict:
    """Parse every line of ``tokens_path`` into ``out_path``, one tree a line; trees and stats land together."""
    if batch_size < 1:
        raise MtseqError(f"batch size must be at least 1, not {batch_size}")
    sentences = read_token_lines(tokens_path)  # checked before the (slow) model load
    parser = load_parser(model, batch_size=batch_size, language_code=language_code)
    start = time.perf_counter()
    with AtomicOutputs() as out:
        with open(out.path(out_path), "w", encoding="utf-8", newline="\n") as fh:
            for tree in _parse_batches(parser, sentences, batch_size, tokens_path, Path(model).name, progress):
                fh.write(tree_to_line(tree) + "\n")
        seconds = time.perf_counter() - start
        stats = {
            "model": model,
            "tokens": str(tokens_path),
            "n_sentences": len(sentences),
            "n_words": sum(len(s) for s in sentences),
            "seconds": round(seconds, 3),
            "sentences_per_second": round(len(sentences) / seconds, 2) if seconds > 0 else None,
        }
        if stats_path is not None:
            out.write_json(stats_path, stats)
    return stats


def _parse_batches(parser, sentences, batch_size, tokens_path, name, progress) -> Iterator[Tree]:
    """Parse in batches under a progress bar; a sentence benepar refuses is reported with its lines."""
    from tqdm import tqdm

    from mtseq.progress import bar_options

    with tqdm(total=len(sentences), unit="sent", desc=f"benepar {name}", disable=not progress, **bar_options()) as bar:
        for first in range(0, len(sentences), batch_size):
            batch = sentences[first : first + batch_size]
            try:
                yield from parse_sentences(parser, batch)
            except ValueError as err:  # e.g. a sentence longer than the model's maximum
                lines = f"{first + 1}-{first + len(batch)}" if len(batch) > 1 else f"{first + 1}"
                raise MtseqError(f"benepar refused a sentence in lines {lines}: {err}", tokens_path) from None
            bar.update(len(batch))
