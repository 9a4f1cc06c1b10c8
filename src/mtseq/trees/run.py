"""The pipeline's linearise and delinearise stages: treebank files in, aligned text files out.

``linearise_files`` turns treebank files into the parse task's three aligned
files (words, bracket sequence, cleaned gold tree); ``delinearise_files``
turns decoder output back into one-line trees for EVALB-style scoring.
Both check every input before writing anything, and write all outputs
together, so a bad tree never leaves a half-updated corpus behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, check_aligned, invisible, read_lines
from mtseq.trees.clean import clean_tree, leaves, phrase_labels, shape_problem
from mtseq.trees.linearise import linearise
from mtseq.trees.ptb import iter_trees, tree_to_line
from mtseq.trees.repair import delinearise


def linearise_files(
    tree_paths: Sequence[str | Path],
    out_tokens: str | Path,
    out_lin: str | Path,
    out_clean: str | Path,
    out_stats: str | Path | None = None,
) -> dict:
    """Clean and linearise every tree of ``tree_paths`` (in order); return the stats.

    Trees that are nothing but traces are dropped (and counted); a tree that
    cannot be linearised exactly, a file without trees, or files that leave
    no tree at all after cleaning, are refused with their file (and line).
    """
    labels: Counter[str] = Counter()
    symbols: set[str] = set()
    n_read = n_dropped = n_kept = n_words = max_lin = 0
    # streamed into the temp files: a silver corpus of millions of trees never sits in memory
    with AtomicOutputs() as out:
        with (
            open(out.path(out_tokens), "w", encoding="utf-8", newline="\n") as f_tok,
            open(out.path(out_lin), "w", encoding="utf-8", newline="\n") as f_lin,
            open(out.path(out_clean), "w", encoding="utf-8", newline="\n") as f_clean,
        ):
            for path in tree_paths:
                n_in_file = 0
                for tree, line in iter_trees(path):
                    n_in_file += 1
                    cleaned = clean_tree(tree)
                    if cleaned is None:
                        n_dropped += 1
                        continue
                    problem = shape_problem(cleaned)
                    if problem:
                        raise MtseqError(f"tree cannot be linearised: {problem}", path, line)
                    seq = linearise(cleaned)
                    symbols.update(seq)
                    labels.update(phrase_labels(cleaned))
                    words = leaves(cleaned)
                    if invisible(" ".join(words)):  # the text policy of mtseq.io, for a tree's sentence
                        raise MtseqError("tree's words are only control or format characters", path, line)
                    n_kept, n_words, max_lin = n_kept + 1, n_words + len(words), max(max_lin, len(seq))
                    f_tok.write(" ".join(words) + "\n")
                    f_lin.write(" ".join(seq) + "\n")
                    f_clean.write(tree_to_line(cleaned) + "\n")
                if n_in_file == 0:
                    raise MtseqError("no trees in file", path)
                n_read += n_in_file
        if n_kept == 0:  # every tree was traces only: an empty corpus is not a result
            files = ", ".join(map(str, tree_paths))
            raise MtseqError(f"no tree left after cleaning: all {n_read} tree(s) hold only traces (-NONE-)", files)
        stats = {
            "files": [str(p) for p in tree_paths],
            "n_trees": n_read,
            "n_kept": n_kept,
            "n_dropped_empty": n_dropped,
            "n_words": n_words,
            "max_lin_length": max_lin,
            "n_output_symbols": len(symbols),
            "label_counts": dict(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
        if out_stats is not None:
            out.write_json(out_stats, stats)
    return stats


def delinearise_files(
    lin_path: str | Path,
    tokens_path: str | Path,
    out_path: str | Path,
    out_stats: str | Path | None = None,
) -> dict:
    """Turn one bracket sequence a line (possibly malformed) into one repaired tree a line.

    ``tokens_path`` holds the source sentences; an empty sequence line is
    fine (a decoder may give nothing), an empty sentence is not.
    """
    seqs = read_lines(lin_path, allow_empty_file=True)
    sents = read_lines(tokens_path, allow_empty_lines=False, allow_empty_file=True)
    n = check_aligned({lin_path: seqs, tokens_path: sents})
    out_lines = []
    n_repaired = 0
    for seq, sent in zip(seqs, sents):
        tree, repaired = delinearise(seq.split(), sent.split())
        n_repaired += repaired
        out_lines.append(tree_to_line(tree))
    stats = {"n": n, "n_repaired": n_repaired, "repaired_share": n_repaired / n if n else 0.0}
    with AtomicOutputs() as out:
        out.write_lines(out_path, out_lines)
        if out_stats is not None:
            out.write_json(out_stats, stats)
    return stats
