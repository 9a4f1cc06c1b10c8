"""Getting real corpora: checksummed resumable downloads, archives, and preparation into raw/.

- ``fetch(url, dest, sha256)``: HTTP(S), ``file://`` or a local path -> a verified file, landed atomically.
- ``unpack(archive, dest_dir, members)``: .tar(.gz)/.tgz, .zip, .gz, WMT .sgm.
- ``prepare_parallel`` / ``prepare_multi30k`` / ``prepare_ptb_sample``: into ``mtseq.layout.Layout``'s raw/.

The paper-scale stages live in their own modules, imported by the commands that run them:
``sources`` (a file or ``ARCHIVE:MEMBER``, streamed), ``parallel`` (WMT corpora), ``wsj`` (the full
treebank by section), ``coco`` (captions + supplied features), ``mono`` (the seeded news-crawl sample).
"""

from mtseq.fetch.archive import read_sgm, unpack
from mtseq.fetch.download import fetch
from mtseq.fetch.prepare import (
    default_ptb_splits,
    prepare_multi30k,
    prepare_parallel,
    prepare_ptb_sample,
    read_corpus_lines,
)
from mtseq.fetch.verify import sha256_file

__all__ = [
    "default_ptb_splits",
    "fetch",
    "prepare_multi30k",
    "prepare_parallel",
    "prepare_ptb_sample",
    "read_corpus_lines",
    "read_sgm",
    "sha256_file",
    "unpack",
]
