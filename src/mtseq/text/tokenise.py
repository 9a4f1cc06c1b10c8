"""Moses tokenisation (sacremoses), aligned files in, aligned files out."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from sacremoses import MosesDetokenizer, MosesTokenizer
from tqdm import tqdm

from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, check_aligned, read_lines
from mtseq.progress import bar_options


@cache
def _tokenizer(lang: str) -> MosesTokenizer:
    return MosesTokenizer(lang=lang)


@cache
def _detokenizer(lang: str) -> MosesDetokenizer:
    return MosesDetokenizer(lang=lang)


def tokenise(line: str, lang: str) -> str:
    """Moses tokens joined by spaces; no XML escaping, so tokens stay readable."""
    return " ".join(_tokenizer(lang).tokenize(line, escape=False))


def detokenise(line: str, lang: str) -> str:
    return _detokenizer(lang).detokenize(line.split())


def tokenise_files(inputs: Sequence[Path], langs: Sequence[str], outputs: Sequence[Path]) -> dict:
    """Tokenise aligned files together: all outputs land, or none does.

    Empty lines are refused: in an aligned corpus they are almost always a
    broken extraction, and they would train the model to emit nothing. So is
    a line with nothing visible in it (control or format characters only), and
    one that Moses tokenises to nothing.
    """
    if not (len(inputs) == len(langs) == len(outputs)):
        raise MtseqError(
            "--langs/--outputs: tokenise needs one language and one output per input, "
            f"got {len(inputs)} --inputs, {len(langs)} --langs, {len(outputs)} --outputs"
        )
    texts = {path: read_lines(path, allow_empty_lines=False) for path in inputs}
    n = check_aligned(texts)
    stats = {}
    with AtomicOutputs() as out:
        for path, lang, target in zip(inputs, langs, outputs, strict=True):
            lines = texts[path]
            bar = tqdm(lines, desc=f"tokenise {Path(path).name}", unit="line", **bar_options())
            tokenised = [tokenise(ln, lang) for ln in bar]
            for i, tok in enumerate(tokenised, 1):
                if not tok.split():
                    raise MtseqError("empty line after tokenisation (nothing but characters Moses drops)", path, i)
            out.write_lines(target, tokenised)
            stats[str(target)] = {"lines": n, "tokens": sum(len(t.split()) for t in tokenised)}
    return stats
