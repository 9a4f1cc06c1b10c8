"""Getting real corpora: checksummed resumable downloads and archives.

- ``fetch(url, dest, sha256)``: HTTP(S), ``file://`` or a local path -> a verified file, landed atomically.
- ``unpack(archive, dest_dir, members)``: .tar(.gz)/.tgz, .zip, .gz, WMT .sgm.
- ``sources``: a file or ``ARCHIVE:MEMBER``, streamed without unpacking (what ``prepare`` reads).
"""

from mtseq.corpora.fetch.archive import read_sgm, unpack
from mtseq.corpora.fetch.download import fetch
from mtseq.corpora.fetch.verify import sha256_file

__all__ = ["fetch", "read_sgm", "sha256_file", "unpack"]
